"""Every checkpoint the project trains, in one table (issue 4).

A recipe names its data (family, variants, training length), its model (layer kinds and config
overrides of the shared small size) and its optimisation (steps, batch, learning rate, seed).
scripts/train/train.py trains one or all of them; checkpoints/<family>/<name>.h5 is the result.

The shared small size is research/training-notes.md's: d 64, 2 layers, 4 heads, FFN 128, N_p 4,
2 memory heads (d_m 32), memory depth 2, expansion 2, chunk 16, window 32, segment 16,
b_alpha -8 at initialisation (the forgetting trap of the notes).
"""

# Layer kinds of the variants compared in every family (the paper's MAC, MAG, MAL, the memory
# alone, and the attention baselines).
VARIANTS = {
    "mac": ("mac", "mac"),
    "mag": ("mag", "mag"),
    "mal": ("mal", "mal"),
    "lmm": ("lmm", "lmm"),
    "swa": ("swa", "swa"),
    "attn": ("attn", "attn"),
}

# Ablations of the paper's Table 5, on the memory-only model (LMM), as config overrides.
ABLATIONS = {
    "linear": {"mem_depth": 1},
    "noconv": {"mem_conv": 0},
    "nomomentum": {"mem_momentum": 0},
    "nodecay": {"mem_decay": 0},
    "nopersistent": {"n_persistent": 0},
}

FORECAST_DATASETS = ("ETTh1", "ETTh2", "ETTm1", "ETTm2", "weather")
# The forecasting models are half the width (d 32, FFN 64, memory heads of 16): the head maps
# 12 patches x d to the horizon, 2.2 MB of weights at d 64 and H 720, and 60 such checkpoints
# at d 64 came to 72 MB, over the repository's 60 MB budget. Window 8 patches (64 steps) keeps
# the SWA baseline local: at 32 it would see all 12 patches, the same as full attention.
FORECAST_SIZE = dict(d_model=32, ffn_dim=64, window=8)
HORIZONS = (96, 192, 336, 720)
TRAIN_SEED = 777  # S-NIAH/BABILong sample seed for training; no suite in evals/ uses it

OPTIM = dict(lr=2e-3, betas=(0.9, 0.95), weight_decay=0.01, warmup=50, final_lr=0.1, clip=1.0)


def _recipe(name, family, kinds, steps, batch, seed, data, config=None, **optim):
    return dict(name=name, family=family, layers=kinds, steps=steps, batch=batch, seed=seed,
                data=data, config=dict(config or {}), optim={**OPTIM, **optim})


def all_recipes():
    out = []
    # S-NIAH: bytes, the RULER prompts of S-NIAH-1 and -2 (training seed) at 512 bytes, batches
    # of 8. The template takes ~440 bytes and the question alone puts the needle
    # ~180 bytes before the answer, out of reach of every attention window (2 x 32), so even
    # 512 bytes asks for retrieval from memory. Longer lengths and S-NIAH-3 are evaluation only:
    # the tables measure how far a model trained at 512 extrapolates.
    # What was learned on the way: 600 steps of 8 x 1K left every model at chance on the digits
    # (answer cross-entropy 1.60 = 7 ln 10 / 10); MAG at 512 bytes x 16 solved its training
    # length by step ~900 of 2000; cycling 512/1K/2K with S-NIAH-3's UUIDs at ~8K tokens a step
    # was still at answer cross-entropy 1.9-2.0 at step 1000 (MAG and LMM).
    # Issue 11 item 5: every S-NIAH variant and ablation on MAC's curriculum and budget
    # (fair_recipes(); 17.6M tokens). The 512-byte recipes they replace are sniah_512_recipes().
    out += fair_recipes()
    # MAC: the 512-byte recipe (2000 steps of 8 x 512) left it at chance (answer cross-entropy
    # 1.60); issue 11's curriculum, passkeys of 128 and 256 bytes before the S-NIAH stage, with
    # W_h zero at init, solved it (campaign_recipes() explains it; training/issue11/README.md).
    out.append(mac_curriculum())
    # The memory beyond its window: SWA on the long curriculum (512 B -> 8 KB, 8.2M tokens),
    # the budget and data of the LMM it is compared with (evals/sniah-beyond.ini).
    out.append(curriculum("swa-long", VARIANTS["swa"], long_curriculum(), init="wh0"))
    # The LMM of the long curriculum, with b_alpha -12 at init (inits.py, wh0+keep): 83% on
    # S-NIAH-1 at 16K where the 512-byte LMM has 0-10% (training/issue11/README.md).
    out.append(curriculum("lmm-long-wh0-keep", VARIANTS["lmm"], long_curriculum(), init="wh0+keep"))
    # Both continued with 16K and 32K stages (long_32k_recipes()): the LMM keeps the needle to 64K.
    out += long_32k_recipes()
    # BABILong: bytes, qa1-qa5 at 2K (the prompt template alone is ~1K), bAbI en-10k train
    # questions in Gutenberg background. The stored en-10k has no qa3 train file, so qa3 comes
    # from the built-in bAbI-style generator and background (a training seed).
    babilong = dict(variants=("qa1", "qa2", "qa3", "qa4", "qa5"), lengths=(2048,), builtin=("qa3",))
    # Batches of 2 x 2K (the tokens of S-NIAH's 8 x 512). LMM, SWA and full attention: 1500
    # steps. MAG and MAL: 1000, to fit one working session on 2 cores. MAC: a step costs ~5.5 s
    # here (~3x MAG), and its gradients explode at 2K: mean norm 2.1e4 over the first 25 steps
    # (MAG: 16.5). At lr 2e-3 the norm overflowed float32 from step 119; at lr 1e-3 it averaged
    # 1.4e14 over steps 51-75 with the loss above chance (checkpoints/babilong/mac-exploded.log).
    # 400 steps at lr 5e-4 is what the session had left.
    for v, steps in (("lmm", 1500), ("swa", 1500), ("attn", 1500), ("mag", 1000), ("mal", 1000)):
        out.append(_recipe(v, "babilong", VARIANTS[v], steps, 2, 1, babilong))
    out.append(_recipe("mac", "babilong", VARIANTS["mac"], 400, 2, 1, babilong, lr=5e-4))
    # DNA: the GUE core-promoter training set (all promoters), 70 nt, 2 classes.
    dna = dict(variants=("prom_core_all",), split="train")
    for v, kinds in VARIANTS.items():
        out.append(_recipe(v, "genomics", kinds, 800, 32, 1, dna, {"n_classes": 2}))
    # Forecasting: channel-independent series models, lookback 96. LMM and SWA at every
    # horizon, the three Titans variants and full attention at 96.
    for ds in FORECAST_DATASETS:
        for h in HORIZONS:
            kinds = ("lmm", "swa") + (("mac", "mag", "mal", "attn") if h == 96 else ())
            for v in kinds:
                cfg = dict(FORECAST_SIZE, lookback=96, horizon=h, patch_len=16, patch_stride=8)
                out.append(_recipe(f"{ds}-{h}-{v}", "forecast", VARIANTS[v], 600, 64, 1,
                                   dict(variants=(ds,), horizon=h), cfg))
    return out


# ---- issue 11: models that show test-time memory --------------------------------------------
# Recipes from here on start from INIT (scripts/train/inits.py), chosen from the gradient norm at
# initialisation (results/trainability). The recipes above have no `init` key and train.py reads
# that as "project": their recipe identity, which a saved state must match to resume, and the
# `training` attribute of their checkpoints stay as they were (test_trainability.py checks).
# These recipes are not in all_recipes(): they are probes and campaign runs, trained by name
# into training/, not checkpoints that `make checkpoints` owes.
# INIT = wh0 (MAC's W_h zero), from the outer gradient norm of one batch at initialisation,
# results/trainability/trainability.md (seeds 0-2) and mac-seeds/trainability.md (seeds 3-12):
#   - the project init's MAC norm grows with length, 37-54 at 128 B, 107-430 at 512, 690-2.0e6
#     at 2K, 5.9e5-6.1e25 at 8K (MAG, MAL, LMM: at most 80 at 8K; SWA, attention about 10);
#   - wh0: 12-184 at 128 B, 21-109 at 512, 32-74 at 2K (13 seeds), 36-281 at 8K for 11 of 13
#     seeds and 5.0e3 / 1.5e4 for the other two;
#   - the near-identity conv alone leaves MAC at 793-1.7e3 at 2K; with wh0 it is no better than
#     wh0 alone (2K: 38-168 and one 1.9e3; 8K: 41-447 and 1.9e3 / 6.1e5) and it raised MAG at 8K
#     to 6.2e4 (seed 0). wh0 is a no-op on every other variant.
INIT = "wh0"
SNIAH_STAGE = dict(task="sniah", variants=("s-niah-1", "s-niah-2"), length=512)


def passkey_stage(length, steps, batch):
    """Passkey prompts (passkey.py): 7-digit keys, S-NIAH-1's answer form."""
    return dict(task="passkey", length=length, steps=steps, batch=batch)


def curriculum(name, kinds, stages, seed=1, init=INIT, config=None, family="sniah", **optim):
    """A recipe whose data is a list of stages (length, steps, batch each), trained in order
    under one warm-up and cosine schedule over all their steps."""
    r = _recipe(name, family, kinds, sum(s["steps"] for s in stages), stages[0]["batch"], seed,
                dict(stages=tuple(stages)), config, **optim)
    r["init"] = init
    return r


def mac_curriculum():
    """MAG left chance on 128-byte passkeys by about step 125, MAC with wh0 by ~475 (answer CE
    1.56 at 500, 1.43 at 700, 1.27 at 1000: training/issue11/probes/sniah/
    probe-mac-pk128-wh0-1000.log). So MAC learns the memory read on passkeys of 128 bytes, then
    256, then the S-NIAH recipe's data (S-NIAH-1/2 at 512 bytes x 8), one schedule over all."""
    return curriculum("mac-curriculum", VARIANTS["mac"], sniah_curriculum(), init="wh0")


def sniah_curriculum():
    """MAC's curriculum: passkeys of 128 bytes x 16 (2000 steps), 256 x 8 (600), then S-NIAH-1/2
    at 512 x 8 (3000): 17.6M tokens."""
    return [passkey_stage(128, 2000, 16), passkey_stage(256, 600, 8),
            dict(SNIAH_STAGE, steps=3000, batch=8)]


def sniah_512_recipes():
    """The first S-NIAH checkpoints (issue 4), superseded by fair_recipes(): S-NIAH-1/2 at 512
    bytes, batches of 8, LMM, SWA and the ablations 1000 steps, full attention, MAL and MAG 2000
    (4.1-8.2M tokens), project init. MAC stayed at chance on it. Their checkpoints are in git
    history (before the commit that brought the fair-* checkpoints into checkpoints/sniah/).
    At 1000 steps LMM had solved the task (answer cross-entropy 0.0003) while MAG was still at
    1.14 and full attention at 1.18, hence 2000 for those; SWA's answer cross-entropy sat at
    chance (1.60): no window reaches the needle."""
    sniah = dict(variants=("s-niah-1", "s-niah-2"), lengths=(512,))
    out = [_recipe(v, "sniah", VARIANTS[v], steps, 8, 1, sniah)
           for v, steps in (("lmm", 1000), ("swa", 1000), ("attn", 2000), ("mal", 2000), ("mag", 2000))]
    for a, overrides in ABLATIONS.items():
        out.append(_recipe("lmm-" + a, "sniah", VARIANTS["lmm"], 1000, 8, 1, sniah, overrides))
    return out


def fair_recipes():
    """Issue 11 item 5, one recipe and budget for every S-NIAH variant: MAC's curriculum (the
    only recipe MAC learns from; sniah_curriculum(), 17.6M tokens), init wh0 (a no-op on every
    variant but MAC), for MAG, MAL, LMM, full attention, SWA and the ablations. MAC's own run
    is mac-curriculum. MAG first: on the 512-byte recipe (2000 steps, 8.2M tokens) it is at
    93/88% on S-NIAH-1/2 with a held-out seed, under the issue's 95%."""
    out = [curriculum("fair-" + v, VARIANTS[v], sniah_curriculum(), init="wh0")
           for v in ("mag", "mal", "lmm", "attn", "swa")]
    for a, overrides in ABLATIONS.items():
        out.append(curriculum("fair-lmm-" + a, VARIANTS["lmm"], sniah_curriculum(), init="wh0",
                              config=overrides))
    return out


def long_curriculum():
    """S-NIAH-1/2 from 512 bytes to 8 KB (RULER's needle depths drawn per sample), 4K tokens a
    step up to 2 KB and 8K from 4 KB on: 8.2M tokens in 1500 steps."""
    return [dict(SNIAH_STAGE, steps=400, batch=8),
            dict(SNIAH_STAGE, length=1024, steps=300, batch=4),
            dict(SNIAH_STAGE, length=2048, steps=300, batch=2),
            dict(SNIAH_STAGE, length=4096, steps=300, batch=2),
            dict(SNIAH_STAGE, length=8192, steps=200, batch=1)]


def long_32k_recipes():
    """lmm-long-wh0-keep went on to 16K (83% on S-NIAH-1) and fell at 32K (10%), with its decay
    summing to 0.17 over 32K tokens: not forgetting; what it writes over 32K of filler it never
    trained on. Its continuation: 16K and 32K stages (batch 1) from its checkpoint, lr 5e-4. It
    scores 100 / 100 / 65% at 16K / 32K / 64K (held-out seed 2468, 20 samples a cell; 70% at 64K
    with seed 9753). SWA gets the same continuation from swa-long, so the two keep one recipe
    and budget (8.2M + 4.6M tokens)."""
    cont = curriculum("lmm-long-keep-32k", VARIANTS["lmm"],
                      [dict(SNIAH_STAGE, length=16384, steps=120, batch=1),
                       dict(SNIAH_STAGE, length=32768, steps=80, batch=1)],
                      init="wh0+keep", lr=5e-4, warmup=10)
    cont["start"] = "checkpoints/sniah/lmm-long-wh0-keep.h5"
    swa = curriculum("swa-long-32k", VARIANTS["swa"], cont["data"]["stages"], init="wh0",
                     lr=5e-4, warmup=10)
    swa["start"] = "checkpoints/sniah/swa-long.h5"
    return [cont, swa]


def mag_more_1500():
    """MAG at the training length was 93/88% on S-NIAH-1/2 with a held-out seed (100 samples),
    under issue 11's 95%, and mag-more (600 steps more) 95/95: on the line. This continuation,
    1500 steps of its own data at batch 16 from its checkpoint (lr 5e-4, 32 min), scores 99/99,
    99/95 and 100/97 with seeds 4321, 8642 and 1357 (no suite uses them): the S-NIAH MAG of every
    suite. It has more tokens than the other 512-byte models (20.5M with its start's 8.2M)."""
    more2 = curriculum("mag-more-1500", VARIANTS["mag"], [dict(SNIAH_STAGE, steps=1500, batch=16)],
                       init="wh0", lr=5e-4, warmup=10)
    more2["start"] = "checkpoints/sniah/mag.h5"
    return more2


def campaign_recipes():
    """Every run names its init: a later change of INIT must not change a started run's recipe
    identity (its saved state would no longer resume)."""
    out = []
    # Probes (minutes each, one change at a time): MAC where it was seen to learn, 128-byte
    # passkey prompts (8 segments of 16), the project init against wh0.
    for init in ("project", "wh0"):
        out.append(curriculum(f"probe-mac-pk128-{init}", VARIANTS["mac"],
                              [passkey_stage(128, 300, 16)], init=init))
    # Both stayed at chance for 300 steps (training/issue11/README.md): MAG on the same data as a
    # control of the task, and MAC with wh0 for 1000 steps.
    out.append(curriculum("probe-mag-pk128", VARIANTS["mag"], [passkey_stage(128, 300, 16)],
                          init="wh0"))
    out.append(curriculum("probe-mac-pk128-wh0-1000", VARIANTS["mac"],
                          [passkey_stage(128, 1000, 16)], init="wh0"))
    # What they showed made the long MAC run, mac_curriculum(), now the S-NIAH MAC checkpoint.
    # Memory beyond the window and the training length (issue 11, item 3): LMM, the cheapest
    # memory variant, on S-NIAH-1/2 with a length curriculum 512 B -> 8 KB (RULER's needle depths
    # drawn per sample), 4K tokens a step up to 2 KB and 8K from 4 KB on. Two inits, one change:
    # wh0 (b_alpha -8, as every recipe) and wh0+keep (b_alpha -12, forgetting 50x slower at init).
    # (wh0+keep, the first of the pair, is a checkpoint: all_recipes(), lmm-long-wh0-keep.)
    out.append(curriculum("lmm-long-wh0", VARIANTS["lmm"], long_curriculum(), init="wh0"))
    # SWA of the same size, data and budget (the baseline whose window cannot reach the needle)
    # is a checkpoint: all_recipes(), swa-long.
    # MAG at the training length: 93/88% on S-NIAH-1/2 with seed 8642 (100 samples; README), under
    # issue 11's 95%; 600 more steps of its own data from its checkpoint, at lr 5e-4.
    more = curriculum("mag-more", VARIANTS["mag"], [dict(SNIAH_STAGE, steps=600, batch=8)],
                      init="wh0", lr=5e-4, warmup=10)
    more["start"] = "checkpoints/sniah/mag.h5"
    out.append(more)
    # BABILong qa1 at 0K (the facts alone, ~350 bytes), batch 16, 500 steps: the probe
    # (MAG of the shared size: 52% on test, the last-mentioned rule 53-58%) against full
    # attention of the same size (can this size bind a person to a place at all?) and a MAG of
    # twice the width and layers (d 128, 4 layers, 4 memory heads of 32).
    qa1 = [dict(task="babilong", variants=("qa1",), length=0, steps=500, batch=16)]
    wide = dict(d_model=128, n_heads=4, ffn_dim=256, mem_heads=4)
    out.append(curriculum("probe-bl-attn-qa1", VARIANTS["attn"], qa1, family="babilong"))
    out.append(curriculum("probe-bl-mag-qa1", VARIANTS["mag"], qa1, family="babilong"))
    out.append(curriculum("probe-bl-mag4w-qa1", ("mag",) * 4, qa1, family="babilong",
                          config=wide))
    # Full attention of the shared size scored 45% on qa1's test at 0K after its 500 steps (the
    # rule 53%, floor 23%): 72 of its 100 answers were the rule's, 6 of the 47 where the rule is
    # wrong were right. So this size does not bind a person to a place in 500 steps with any
    # layer; one change next, depth: four attention layers of the shared width.
    out.append(curriculum("probe-bl-attn4-qa1", ("attn",) * 4, qa1, family="babilong"))
    # Four layers reached 49% (10 of 47 right where the rule is wrong): depth alone does not do it.
    # 500 steps of 16 are less than one pass over qa1's 10,000 training questions; next, four
    # passes at the shared size (2500 steps), the same schedule otherwise.
    out.append(curriculum("probe-bl-attn-qa1-2500", VARIANTS["attn"],
                          [dict(qa1[0], steps=2500)], family="babilong"))
    # It was stopped at step 180 (17 s a step beside two S-NIAH runs) and its state, a probe's,
    # was not kept. The issue's own MAG probe (500 steps) is the baseline of a memory variant: the
    # same MAG of the shared size, one change, ten times the steps (8 passes over qa1's 10,000
    # training questions), a long run (--out training/issue11/long, state committed).
    out.append(curriculum("bl-mag-qa1-5000", VARIANTS["mag"], [dict(qa1[0], steps=5000)],
                          family="babilong"))
    # At its step 600 MAG had left the rule a little (52% on 100 test questions at 0K, 63 of 100
    # answers the rule's, 15 of 47 right where the rule is wrong; at step 300: 85 and 3). The
    # memory alone (LMM, the cheapest memory variant) on the same recipe, on the other core.
    out.append(curriculum("bl-lmm-qa1-5000", VARIANTS["lmm"], [dict(qa1[0], steps=5000)],
                          family="babilong"))
    out += fair_babilong_recipes()
    return out


def babilong_curriculum():
    """Issue 11 items 4-5: qa1 at 0K until the plateau breaks (MAG near step 700 and LMM near 900
    of bl-*-qa1-5000), then qa1-qa5 at 0K (all of en-10k's training questions; qa3 from the
    built-in generator, en-10k has no qa3 train file), then qa1-qa5 at 2K (the template is ~0.9
    KB, so 1K adds almost no background and qa3's stories do not fit it). Batches of 16 at 0K
    (~17K tokens a step for qa1, ~23K for qa1-qa5) and of 8 at 2K (16K): 58M tokens in 3500 steps."""
    tasks = ("qa1", "qa2", "qa3", "qa4", "qa5")
    return [dict(task="babilong", variants=("qa1",), length=0, steps=1500, batch=16),
            dict(task="babilong", variants=tasks, length=0, steps=1500, batch=16, builtin=("qa3",)),
            dict(task="babilong", variants=tasks, length=2048, steps=500, batch=8, builtin=("qa3",))]


def fair_babilong_recipes():
    """One recipe and budget for every BABILong variant (babilong_curriculum()), init wh0, seed
    1; MAG first (it broke the qa1 plateau first)."""
    return [curriculum("fair-bl-" + v, VARIANTS[v], babilong_curriculum(), family="babilong")
            for v in ("mag", "lmm", "mal", "mac", "swa", "attn")]


def superseded_recipes():
    """Checkpoint recipes whose checkpoints were replaced (they are in git history), still
    trainable by name: the 512-byte S-NIAH models and MAG's continuation of one of them."""
    return sniah_512_recipes() + [mag_more_1500()]


def find(name):
    for r in all_recipes() + campaign_recipes() + superseded_recipes():
        if r["name"] == name or f"{r['family']}/{r['name']}" == name:
            return r
    raise KeyError(name)

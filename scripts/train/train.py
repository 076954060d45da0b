"""Trains the project's checkpoints with the PyTorch reference (issue 4).

    /usr/bin/python3 scripts/train/train.py --list
    /usr/bin/python3 scripts/train/train.py --recipe sniah/mag --data-dir ../shared/datasets \\
        --tool _build/titans-data --out checkpoints

Each recipe (scripts/train/recipes.py) trains one checkpoint, reproducibly: fixed seeds, one
thread, the same data. The data comes from titans-data, the evaluator's own generators and
loaders, on training splits only (S-NIAH/BABILong: a training seed no suite uses). Progress goes
to stdout and to <out>/<family>/<name>.log. A run saves its state every 100 steps (and at least
every STATE_SECONDS) and, killed, resumes from it; a finished checkpoint is left alone (--force
trains it again). The model starts from inits.initial_model with the recipe's init ("project"
when it names none, as every committed checkpoint). S-NIAH data can be a curriculum: stages of
passkey prompts (passkey.py) or titans-data samples, trained in order.

The model is titans_ref's with the chunk coefficients and windowed attention batched
(fast_model.py), over a batch with functorch.vmap. The loss:
  - bytes: mean cross-entropy on the target continuation + 0.2 x mean cross-entropy on the
    prompt bytes (training-notes.md), padding after the target masked out; the log also gives
    the answer's cross-entropy and byte accuracy (teacher forced) on each step's fresh batch.
    A batch runs in groups of rows of similar length, each backpropagated in turn
    (text_backward): the same loss and gradient at a fraction of the padded batch's cost;
  - dna: cross-entropy of the class;
  - series: MSE on the normalised horizon, one channel per sample (channel independence).
"""
import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import time

# One thread per run, BLAS included (torch.set_num_threads alone left OpenBLAS/OpenMP threads
# spinning: 1.4x CPU time for nothing, and two runs on two cores fought over them).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fast_model as FM  # noqa: E402
import inits  # noqa: E402
import passkey as PK  # noqa: E402
import recipes as RC  # noqa: E402

R = FM.R
try:
    from torch.func import vmap  # torch >= 2.0
except ImportError:
    from functorch import vmap  # torch 1.13 (Debian 12)

PROMPT_LOSS_WEIGHT = 0.2
STATE_EVERY = 100
STATE_SECONDS = 540  # and at least this often: a slow step (MAC at 2K+) may take 5+ s
LOG_EVERY = 25
MAX_SKIPS = 10  # non-finite gradients in a row before a run counts as diverged
# A text batch runs as groups of rows of similar length (length_groups): a group costs about its
# width x (GROUP_ROWS + its rows) (d-64 models on one thread: 1 row of 5.8 KB 4.3 s, 3 rows 4.9 s,
# 16 rows 37.6 s, forward and backward), and at most GROUP_POSITIONS rows x width, past which
# the autograd graph outgrows the caches (and 16 x 5.8 KB held 12 GB).
GROUP_ROWS = 16
GROUP_POSITIONS = 20000
# A model with a full-attention layer holds rows x width^2 / 2 attention weights a head for the
# backward: its groups also stay within GROUP_SCORES rows x width^2 (or one row). fair-bl-attn's
# qa1 batches at 0K (16 rows of 930-1184 bytes), one thread, forward and backward: one group of
# 16 rows 25.8 s, groups of 8 9.7 s, of 4 3.9 s, of 2 3.5 s, single rows 4.3 s.
GROUP_SCORES = 3_000_000


# ---- data -------------------------------------------------------------------------------------

def run_tool(tool, args, out):
    """titans-data ARGS --out OUT, unless OUT exists (the cache is keyed by the arguments)."""
    if os.path.exists(out):
        return
    cmd = [tool] + args + ["--out", out]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"train.py: {' '.join(cmd)} failed:\n{done.stderr.strip()}")


def cache_path(cache, args):
    key = hashlib.sha256("\0".join(args).encode()).hexdigest()[:16]
    return os.path.join(cache, f"{args[1]}-{args[3]}-{key}.h5")


def ragged(f, name):
    """A ragged byte dataset of titans-data: list of bytes."""
    data, off = f[name][()], f[name + "_offset"][()]
    return [data[off[i]:off[i + 1]].tobytes() for i in range(len(off) - 1)]


def text_lengths(recipe):
    """[(length, batch)]: a text recipe cycles through its lengths step by step, each batch
    holding about the same number of tokens (batch x the first length)."""
    lengths = recipe["data"]["lengths"]
    tokens = recipe["batch"] * lengths[0]
    return [(n, max(1, tokens // n)) for n in lengths]


def tool_samples(family, variants, length, count, a, builtin=()):
    """(prompt, target) pairs of titans-data: count shared equally by the variants."""
    per, seqs = -(-count // len(variants)), []
    for v in variants:
        args = ["--family", family, "--variant", v, "--length", str(length),
                "--count", str(per), "--seed", str(RC.TRAIN_SEED)]
        own = v in builtin  # the built-in generator: no files, no split
        if family == "babilong" and not own:
            args += ["--split", "train"]
        if a.data_dir and not own:
            args += ["--data-dir", a.data_dir]
        path = cache_path(a.cache, args)
        run_tool(a.tool, args, path)
        with h5py.File(path, "r") as f:
            seqs += list(zip(ragged(f, "prompt"), ragged(f, "target")))
    return seqs


def pack(seqs):
    """Byte sequences prompt + target, zero-padded, and the loss weight of predicting byte j+1
    at j: PROMPT_LOSS_WEIGHT inside the prompt, 1 on the target, 0 on the padding."""
    width = max(len(p) + len(t) for p, t in seqs)
    tokens = np.zeros((len(seqs), width), dtype=np.int64)
    weight = np.zeros((len(seqs), width), dtype=np.float32)
    for i, (p, t) in enumerate(seqs):
        s = p + t
        tokens[i, :len(s)] = np.frombuffer(s, dtype=np.uint8)
        weight[i, :len(p) - 1] = PROMPT_LOSS_WEIGHT
        weight[i, len(p) - 1:len(s) - 1] = 1.0
    return dict(tokens=torch.from_numpy(tokens), weight=torch.from_numpy(weight))


def stage_samples(recipe, index, a):
    """The samples of curriculum stage index (a recipe with data.stages): one per step and row.
    Passkey stages draw from seed TRAIN_SEED + index, so no two stages share their keys."""
    stage = recipe["data"]["stages"][index]
    count = stage["steps"] * stage["batch"]
    if stage["task"] == "passkey":
        return PK.samples(count, stage["length"], RC.TRAIN_SEED + index)
    return tool_samples(recipe["family"], stage["variants"], stage["length"], count, a,
                        stage.get("builtin", ()))


def text_data(recipe, a):
    """S-NIAH/BABILong recipes: per training length (or per stage of a curriculum), the packed
    samples. The variants share each length's samples equally."""
    d = recipe["data"]
    if "stages" in d:
        return {i: pack(stage_samples(recipe, i, a)) for i in range(len(d["stages"]))}
    cycle = text_lengths(recipe)
    return {length: pack(tool_samples(recipe["family"], d["variants"], length,
                                      -(-recipe["steps"] // len(cycle)) * batch, a,
                                      d.get("builtin", ())))
            for length, batch in cycle}


def dna_data(recipe, a):
    d = recipe["data"]
    x, y = [], []
    for v in d["variants"]:
        args = ["--family", "genomics", "--variant", v, "--split", d["split"],
                "--data-dir", a.data_dir]
        path = cache_path(a.cache, args)
        run_tool(a.tool, args, path)
        with h5py.File(path, "r") as f:
            tok, off, lab = f["tokens"][()], f["offset"][()], f["label"][()]
        lengths = set(np.diff(off).tolist())
        if len(lengths) != 1:
            raise SystemExit(f"train.py: {path}: sequences of lengths {sorted(lengths)[:5]}...: "
                             "batched training needs one length")
        x.append(tok.reshape(len(lab), -1).astype(np.int64))
        y.append(lab.astype(np.int64))
    return dict(tokens=torch.from_numpy(np.concatenate(x)), label=torch.from_numpy(np.concatenate(y)))


def forecast_data(recipe, a):
    """The normalised series of the training split; windows are drawn from it at random."""
    d = recipe["data"]
    (ds,) = d["variants"]
    args = ["--family", "forecast", "--variant", ds, "--data-dir", a.data_dir]
    path = cache_path(a.cache, args)
    run_tool(a.tool, args, path)
    with h5py.File(path, "r") as f:
        data = f["data"][()].astype(np.float32)
        begin, end = (int(v) for v in f.attrs["split_train_rows"])
    return dict(series=torch.from_numpy(data[begin:end]))


# ---- batches and losses ------------------------------------------------------------------------

def batch_indices(n, batch, step, seed):
    """Sample indices of a step: epochs of seeded permutations, so any step can be recomputed."""
    per_epoch = max(1, n // batch)
    epoch, k = divmod(step, per_epoch)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 1000003 + epoch))
    return perm[k * batch:(k + 1) * batch]


def stage_at(stages, step):
    """(stage index, step inside that stage) of a curriculum; the last stage runs on."""
    for i, st in enumerate(stages):
        if step < st["steps"] or i == len(stages) - 1:
            return i, step
        step -= st["steps"]


def text_batch(recipe, data, step):
    """(tokens, weights) of a text recipe's step: its stage's or its length cycle's batch."""
    d, seed = recipe["data"], recipe["seed"]
    if "stages" in d:  # data is keyed by stage index
        key, k = stage_at(d["stages"], step)
        b = d["stages"][key]["batch"]
    else:  # data is keyed by length
        cycle = text_lengths(recipe)
        (key, b), k = cycle[step % len(cycle)], step // len(cycle)
    idx = batch_indices(len(data[key]["tokens"]), b, k, seed)
    return trim(data[key]["tokens"][idx], data[key]["weight"][idx])


def trim(tok, w):
    """A batch without the padding columns that no row of it uses: a stage is packed to its
    longest sample (qa3's stories at 0K run to 5.8 KB, the mean of qa1-qa5 is 1.4 KB) and the
    models are causal, so the loss is that of the untrimmed batch at a fraction of the cost."""
    width = max(row_widths(w))
    return tok[:, :width], w[:, :width]


def row_widths(w):
    """Each row's used width: through its last weighted position + 1 (w[j] weighs predicting
    byte j+1); the whole width for a row with no weight."""
    return [int(r.nonzero().max()) + 2 if r.any() else w.shape[1] for r in (w > 0)]


def text_sums(model, tok, w):
    """Sums over a batch's positions: cross-entropy on the answer, on the prompt, and the answer
    bytes the model predicts right (teacher forced)."""
    logits = vmap(lambda t: model(t, chunked=True).final)(tok)                     # [B, T, 256]
    ce = F.cross_entropy(logits[:, :-1].reshape(-1, 256), tok[:, 1:].reshape(-1),
                         reduction="none").view(tok.shape[0], -1)
    w = w[:, :-1]
    answer, prompt = w == 1.0, w == PROMPT_LOSS_WEIGHT
    hits = (logits[:, :-1].argmax(-1) == tok[:, 1:])[answer].sum()
    return ce[answer].sum(), ce[prompt].sum(), hits


def position_counts(w):
    """(answer positions, prompt positions) of a batch: the denominators of its means."""
    w = w[:, :-1]
    return (w == 1.0).sum(), (w == PROMPT_LOSS_WEIGHT).sum()


def text_loss(model, tok, w):
    """Mean cross-entropy on the answer + PROMPT_LOSS_WEIGHT x mean cross-entropy on the prompt
    (means: a long prompt must not drown the answer); also the answer's cross-entropy and the
    fraction of answer bytes the model predicts right (teacher forced). The whole batch at once;
    training runs text_backward, the same loss by groups of rows."""
    n_answer, n_prompt = position_counts(w)
    s_answer, s_prompt, hits = text_sums(model, tok, w)
    loss = s_answer / n_answer + PROMPT_LOSS_WEIGHT * s_prompt / n_prompt
    return loss, {"answer_ce": (s_answer / n_answer).item(), "answer_acc": (hits / n_answer).item()}


def length_groups(widths, quadratic=False):
    """Row indices in groups of similar width that cost least, a group costing its widest row x
    (GROUP_ROWS + its rows) and holding at most GROUP_POSITIONS positions (and, quadratic: for a
    model with full attention, GROUP_SCORES rows x width^2), or one row: runs of the rows sorted
    by width, chosen by dynamic programming."""
    rows_cost, cap = GROUP_ROWS, GROUP_POSITIONS
    order = sorted(range(len(widths)), key=lambda i: widths[i])
    ws = [widths[i] for i in order]
    best, cut = [0.0] + [math.inf] * len(ws), [0] * (len(ws) + 1)
    for j in range(1, len(ws) + 1):
        for i in range(j):  # rows i .. j-1 of the sorted order, widest ws[j - 1]
            rows, widest = j - i, ws[j - 1]
            if rows > 1 and (rows * widest > cap or quadratic and rows * widest ** 2 > GROUP_SCORES):
                continue
            cost = best[i] + widest * (rows_cost + rows)
            if cost < best[j]:
                best[j], cut[j] = cost, i
    groups, j = [], len(ws)
    while j > 0:
        groups.append(order[cut[j]:j])
        j = cut[j]
    return groups[::-1]


def text_backward(model, tok, w):
    """text_loss's loss and extras, its gradient accumulated into the model: the rows run in
    length_groups, each group's share of the two means (over the whole batch's positions)
    backpropagated before the next group runs, so the padding of a batch's longest row (qa3's
    5.8 KB stories among qa1's few hundred bytes) is not computed for every row."""
    n_answer, n_prompt = position_counts(w)
    loss, answer, hits = torch.zeros(()), torch.zeros(()), torch.zeros(())
    quadratic = "attn" in model.cfg.layer_kinds
    for rows in length_groups(row_widths(w), quadratic):
        t, g = trim(tok[rows], w[rows])
        s_answer, s_prompt, h = text_sums(model, t, g)
        part = s_answer / n_answer + PROMPT_LOSS_WEIGHT * s_prompt / n_prompt
        part.backward()
        loss, answer, hits = loss + part.detach(), answer + s_answer.detach(), hits + h
    return loss, {"answer_ce": (answer / n_answer).item(), "answer_acc": (hits / n_answer).item()}


def backward_of(model, recipe, data, step):
    """The loss of a step's batch (detached) and its extras; its gradient accumulated into the
    model's parameters (.grad)."""
    if recipe["family"] in ("sniah", "babilong"):
        return text_backward(model, *text_batch(recipe, data, step))
    loss, extra = loss_of(model, recipe, data, step)
    loss.backward()
    return loss.detach(), extra


def loss_of(model, recipe, data, step):
    """The loss of a step's batch, with its graph (text batches: whole, as text_loss)."""
    fam, b, seed = recipe["family"], recipe["batch"], recipe["seed"]
    if fam in ("sniah", "babilong"):
        return text_loss(model, *text_batch(recipe, data, step))
    if fam == "genomics":
        idx = batch_indices(len(data["label"]), b, step, seed)
        logits = vmap(lambda t: model(t, chunked=True).final)(data["tokens"][idx])  # [B, classes]
        loss = F.cross_entropy(logits, data["label"][idx])
        acc = (logits.argmax(-1) == data["label"][idx]).float().mean().item()
        return loss, {"acc": acc}
    cfg = model.cfg
    series = data["series"]                                                        # [rows, C]
    n_win = series.shape[0] - cfg.lookback - cfg.horizon + 1
    idx = batch_indices(n_win * series.shape[1], b, step, seed)
    win, ch = idx // series.shape[1], idx % series.shape[1]
    span = torch.arange(cfg.lookback + cfg.horizon)
    rows = series[win[:, None] + span[None, :], ch[:, None]]                       # [B, L + H]
    x, y = rows[:, :cfg.lookback, None], rows[:, cfg.lookback:]
    pred = vmap(lambda s: model(s, chunked=True).final[:, 0])(x)                   # [B, H]
    loss = F.mse_loss(pred, y)
    return loss, {}


# ---- the run -----------------------------------------------------------------------------------

INPUT_OF = {"sniah": "bytes", "babilong": "bytes", "genomics": "dna", "forecast": "series"}


def make_config(recipe):
    fam = recipe["family"]
    cfg = dict(input=INPUT_OF[fam], head=R.HEAD_OF_INPUT[INPUT_OF[fam]],
               vocab_size=R.VOCAB_OF_INPUT[INPUT_OF[fam]], layer_kinds=recipe["layers"],
               n_layers=len(recipe["layers"]))
    cfg.update(recipe["config"])
    return R.Config(**cfg)


def lr_at(step, recipe):
    o = recipe["optim"]
    if step < o["warmup"]:
        return o["lr"] * (step + 1) / o["warmup"]
    t = (step - o["warmup"]) / max(1, recipe["steps"] - o["warmup"])
    return o["lr"] * (o["final_lr"] + (1 - o["final_lr"]) * 0.5 * (1 + math.cos(math.pi * t)))


def train(recipe, a):
    fam, name = recipe["family"], recipe["name"]
    out_dir = os.path.join(a.out, fam)
    os.makedirs(out_dir, exist_ok=True)
    ckpt = os.path.join(out_dir, name + ".h5")
    state_path = os.path.join(out_dir, name + ".state.pt")
    if os.path.exists(ckpt) and not a.force:
        print(f"{fam}/{name}: {ckpt} exists, skipped")
        return
    lock = os.path.join(out_dir, name + ".lock")
    if not take_lock(lock):
        print(f"{fam}/{name}: another run holds {lock}, skipped")
        return
    try:
        run_recipe(recipe, a, out_dir, ckpt, state_path)
    finally:
        os.remove(lock)


def take_lock(path):
    """One run per recipe: a lock file with the pid; a stale one (its process gone) is taken over."""
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            return True
        except FileExistsError:
            try:
                pid = int(open(path).read() or 0)
                os.kill(pid, 0)
                return False
            except (ValueError, ProcessLookupError):
                os.remove(path)
    return False


def clip_gradients(model, clip):
    """torch's clip_grad_norm_, except when the float32 sum of squares would overflow (it does
    near a norm of 1.8e19; 1e15 leaves room): MAC's gradients through its memory recurrence
    grew that far on BABILong, torch's norm became inf and the clip zeroed every gradient. Such a norm is taken in float64 and the clip applied by
    hand; every other step is clipped by torch exactly as before (same bits as the committed
    checkpoints)."""
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    wide = math.sqrt(sum(float(g.double().pow(2).sum()) for g in grads))
    if not math.isfinite(wide) or wide < 1e15:
        return torch.nn.utils.clip_grad_norm_(model.parameters(), clip).item()
    for g in grads:
        g.mul_(clip / wide)
    return wide


def run_recipe(recipe, a, out_dir, ckpt, state_path):
    """The training loop of one recipe (train() has checked and locked it)."""
    fam, name = recipe["family"], recipe["name"]
    torch.manual_seed(recipe["seed"])
    cfg = make_config(recipe)
    # Recipes without an init key are the committed checkpoints': random_init as it was.
    model = inits.initial_model(cfg, recipe["seed"], recipe.get("init", "project"), recipe.get("start"))
    o = recipe["optim"]
    opt = torch.optim.AdamW(model.parameters(), lr=o["lr"], betas=o["betas"],
                            weight_decay=o["weight_decay"])
    data = {"sniah": text_data, "babilong": text_data, "genomics": dna_data,
            "forecast": forecast_data}[fam](recipe, a)
    step, spent = 0, 0.0
    identity = json.dumps(recipe, sort_keys=True, default=list)
    if os.path.exists(state_path) and not a.force:
        st = torch.load(state_path)
        if st.get("recipe") == identity:
            model.load_state_dict(st["model"])
            opt.load_state_dict(st["opt"])
            step, spent = st["step"], st["seconds"]
        else:  # saved under another recipe: resuming it would mix two trainings
            print(f"{fam}/{name}: {state_path} belongs to another recipe: starting over")
    log = open(os.path.join(out_dir, name + ".log"), "a")

    def say(text):
        print(f"{fam}/{name}: {text}", flush=True)
        log.write(text + "\n")
        log.flush()

    n_params = sum(p.numel() for p in model.parameters())
    say(f"{'resumed at step ' + str(step) if step else 'start'}: {'+'.join(cfg.layer_kinds)}, "
        f"{n_params} parameters, {recipe['steps']} steps of {recipe['batch']}")
    t0, window, skips = time.time(), [], 0
    saved = t0
    while step < recipe["steps"]:
        for g in opt.param_groups:
            g["lr"] = lr_at(step, recipe)
        opt.zero_grad()
        loss, extra = backward_of(model, recipe, data, step)
        norm = clip_gradients(model, o["clip"])
        if not math.isfinite(loss.item()) or not math.isfinite(norm):
            # Non-finite gradients (an overflow inside the backward pass; an overflowing norm
            # alone is handled by clip_gradients) would poison the weights: skip that update, as
            # loss scalers do, and stop only when it keeps happening. The step still counts, so
            # the schedule and the data of later steps stay those of the recipe.
            skips += 1
            say(f"step {step + 1}: loss {loss.item():.4g}, grad norm {norm}: update skipped")
            if skips == MAX_SKIPS:
                raise SystemExit(f"train.py: {fam}/{name}: step {step + 1}: {MAX_SKIPS} non-finite "
                                 f"gradients in a row: diverged")
            step += 1
            continue
        skips = 0
        opt.step()
        step += 1
        window.append((loss.item(), norm, extra))
        if step % LOG_EVERY == 0 or step == recipe["steps"]:
            elapsed = spent + time.time() - t0
            mean = {k: np.mean([e[2][k] for e in window]) for k in window[0][2]}
            say(f"step {step}/{recipe['steps']} loss {np.mean([e[0] for e in window]):.4f} "
                f"grad {np.mean([e[1] for e in window]):.3g} "
                + " ".join(f"{k} {v:.4f}" for k, v in mean.items())
                + f" lr {lr_at(step - 1, recipe):.2e} {elapsed / 60:.1f} min")
            window = []
        due = step % STATE_EVERY == 0 or time.time() - saved >= STATE_SECONDS
        if due and step < recipe["steps"]:
            saved = time.time()
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step,
                        "seconds": spent + time.time() - t0, "recipe": identity},
                       state_path + ".tmp")
            os.replace(state_path + ".tmp", state_path)
    minutes = (spent + time.time() - t0) / 60
    training = json.dumps({**recipe, "train_seed": RC.TRAIN_SEED, "minutes": round(minutes, 1),
                           "final_loss": round(float(loss.item()), 5)}, default=list)
    prov = R.provenance(" ".join(["/usr/bin/python3", "scripts/train/train.py", "--recipe",
                                  f"{fam}/{name}"]), recipe["seed"], training=training)
    R.export_checkpoint(model, ckpt + ".tmp", prov)
    os.replace(ckpt + ".tmp", ckpt)
    if os.path.exists(state_path):
        os.remove(state_path)
    say(f"done in {minutes:.1f} min: {ckpt}")
    log.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--recipe", action="append", default=[],
                   help="family/name (repeatable); 'all' for every recipe; see --list")
    p.add_argument("--family", help="every recipe of this family")
    p.add_argument("--list", action="store_true", help="list the recipes and exit")
    p.add_argument("--out", default="checkpoints", help="checkpoint folder")
    p.add_argument("--data-dir", default=os.environ.get("TITANS_DATA"),
                   help="datasets folder (default $TITANS_DATA)")
    p.add_argument("--tool", default="titans-data", help="the titans-data program")
    p.add_argument("--cache", default=os.path.join("build-train", "data"),
                   help="where titans-data's files are kept")
    p.add_argument("--threads", type=int, default=1, help="torch threads (one run per core)")
    p.add_argument("--force", action="store_true", help="train again even if the checkpoint exists")
    a = p.parse_args()
    all_r = RC.all_recipes()
    if a.list:
        def brief(r):
            return (f"{r['family']}/{r['name']}: {'+'.join(r['layers'])} {r['config'] or ''} "
                    f"{r['steps']} steps x {r['batch']}")
        for r in all_r:
            print(brief(r))
        for r in RC.campaign_recipes():  # not at the line start: train_all.sh skips them
            stages = ", ".join(f"{s['task']} {s['length']} B x {s['batch']} for {s['steps']}"
                               for s in r["data"]["stages"])
            print(f"  issue 11: {r['family']}/{r['name']}: {'+'.join(r['layers'])} "
                  f"init {r['init']}, {stages}")
        for r in RC.superseded_recipes():  # in git history; trainable by name
            print(f"  superseded: {brief(r)}")
        return
    chosen = [r for r in all_r if a.family and r["family"] == a.family]
    for name in a.recipe:
        chosen += all_r if name == "all" else [RC.find(name)]
    if not chosen:
        p.error("no recipe chosen: --recipe NAME, --recipe all or --family F")
    torch.set_num_threads(a.threads)
    os.makedirs(a.cache, exist_ok=True)
    for r in chosen:
        train(r, a)


if __name__ == "__main__":
    main()

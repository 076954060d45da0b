"""Writes a random-initialised checkpoint (format v1) for any config.

    $(PYTHON) scripts/reference/make_checkpoint.py --layers mac,mac,swa --d-model 256 \\
        --seed 1 --out model.h5

Every config attribute is an option (n_layers follows from --layers, head and vocab_size from
--input). Defaults are the training-notes.md settings; the initialisation follows
titans_ref.random_init, whose gate-bias and scale overrides are options too.
"""
import argparse
import dataclasses

import titans_ref as R

INPUT_DEFAULTS = {
    "bytes": dict(),
    "dna": dict(n_classes=2),
    "series": dict(lookback=96, patch_len=16, patch_stride=8, horizon=96),
}
DERIVED = ("format", "format_version", "n_layers", "layer_kinds", "head", "vocab_size")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--out", required=True, help="checkpoint file to write")
    parser.add_argument("--seed", type=int, default=0, help="torch.Generator seed")
    parser.add_argument("--layers", default="mag,mag",
                        help="comma-separated layer kinds: " + " ".join(R.LAYER_KINDS))
    parser.add_argument("--input", choices=tuple(R.HEAD_OF_INPUT), default="bytes",
                        help="bytes (head lm), dna (head cls) or series (head forecast)")
    defaults = R.Config()
    for field in dataclasses.fields(R.Config):
        if field.name in DERIVED or field.name == "input":
            continue
        kind = float if field.name in R.Config.REAL_FIELDS else int
        default = getattr(defaults, field.name)
        input_dependent = any(field.name in d for d in INPUT_DEFAULTS.values())
        by_input = {k: v.get(field.name, 0) for k, v in INPUT_DEFAULTS.items()}
        parser.add_argument("--" + field.name.replace("_", "-"), type=kind,
                            default=None if input_dependent else default,
                            help=f"attribute {field.name}" +
                            (f"; by input {by_input}" if input_dependent else ""))
    init = parser.add_argument_group("initialisation (titans_ref.random_init)")
    for name, default in (("b_theta", -1.0), ("b_eta", 0.0), ("b_alpha", -8.0),
                          ("gate_bias_std", 0.0), ("gain_std", 0.0), ("bias_std", 0.0),
                          ("m0_scale", 1.0)):
        init.add_argument("--" + name.replace("_", "-"), type=float, default=default, help=name)
    return parser.parse_args(argv)


def config_from_args(args):
    kinds = tuple(k.strip() for k in args.layers.split(",") if k.strip())
    values = dict(input=args.input, head=R.HEAD_OF_INPUT[args.input],
                  vocab_size=R.VOCAB_OF_INPUT[args.input], n_layers=len(kinds), layer_kinds=kinds)
    for field in dataclasses.fields(R.Config):
        if field.name in values or field.name in ("format", "format_version"):
            continue
        value = getattr(args, field.name)
        if value is None:
            value = INPUT_DEFAULTS[args.input].get(field.name, 0)
        values[field.name] = value
    return R.Config(**values)


def main():
    args = parse_args()
    try:
        cfg = config_from_args(args)
    except R.ConfigError as err:
        raise SystemExit(f"make_checkpoint.py: bad config: {err}")
    model = R.random_init(cfg, args.seed, b_theta=args.b_theta, b_eta=args.b_eta,
                          b_alpha=args.b_alpha, gate_bias_std=args.gate_bias_std,
                          gain_std=args.gain_std, bias_std=args.bias_std, m0_scale=args.m0_scale)
    R.export_checkpoint(model, args.out, R.provenance(R.command_line(), args.seed))
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{args.out}: {'+'.join(cfg.layer_kinds)}, d_model {cfg.d_model}, "
          f"{n_params} parameters")


if __name__ == "__main__":
    main()

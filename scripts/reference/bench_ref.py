"""Prefill speed of the PyTorch reference on one thread.

    $(PYTHON) scripts/reference/bench_ref.py model.h5 1024 4096 [--path chunked|loop]

Runs the whole model (prefix, every layer, head) in float32 without autograd on `length` random
tokens of the checkpoint's input and prints one CSV line per length:
kind,length,tokens_per_s,seconds. kind is the checkpoint's layer kinds joined by '+'; seconds is
the best of --repeat runs, wall-clock or, with --cpu-time, this thread's CPU time (one torch
thread: what a loaded, shared machine still measures fairly). Series checkpoints are not supported (their length is fixed by the
config).
"""
import argparse
import time

import torch

import titans_ref as R


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("lengths", type=int, nargs="+", help="ordinary tokens per run")
    parser.add_argument("--path", choices=("chunked", "loop"), default="chunked",
                        help="memory update path (chunked: matrix form, the fastest)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per length, best is kept")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random tokens")
    parser.add_argument("--cpu-time", action="store_true", help="time by this thread's CPU time")
    args = parser.parse_args()

    torch.set_num_threads(1)
    model = R.load_checkpoint(args.checkpoint)
    cfg = model.cfg
    if cfg.input == "series":
        raise SystemExit("bench_ref.py: series checkpoints have a fixed length; use bytes or dna")
    kind = "+".join(cfg.layer_kinds)
    gen = torch.Generator().manual_seed(args.seed)
    with torch.no_grad():  # warm-up: one-time allocations and library initialisation
        model(torch.randint(0, cfg.vocab_size, (64,), generator=gen), chunked=True)
    clock = time.thread_time if args.cpu_time else time.perf_counter
    print("kind,length,tokens_per_s,seconds")
    for length in args.lengths:
        tokens = torch.randint(0, cfg.vocab_size, (length,), generator=gen)
        best = float("inf")
        for _ in range(args.repeat):
            start = clock()
            with torch.no_grad():
                out = model(tokens, dtype=torch.float32, chunked=args.path == "chunked")
            seconds = clock() - start
            if not torch.isfinite(out.final).all():
                raise SystemExit(f"bench_ref.py: non-finite output at length {length}")
            best = min(best, seconds)
        print(f"{kind},{length},{length / best:.1f},{best:.4f}", flush=True)


if __name__ == "__main__":
    main()

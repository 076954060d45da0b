"""Exports the model of an unfinished run's saved state as a checkpoint, so titans-eval can
measure a long run while it trains (the state is what train.py resumes from; it is not touched):

    /usr/bin/python3 scripts/train/snapshot.py training/issue11/long/babilong/NAME.state.pt OUT.h5

The recipe is found from the state's own copy of it; the checkpoint's `training` attribute names
the step it was taken at.
"""
import argparse
import json
import os
import pickle
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import inits  # noqa: E402
import train as T  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("state", help="a run's NAME.state.pt")
    p.add_argument("out", help="the checkpoint to write (.h5)")
    a = p.parse_args()
    try:
        st = torch.load(a.state)
        recipe = json.loads(st["recipe"])
        step = int(st["step"])
        model = inits.initial_model(T.make_config(recipe), recipe["seed"], "project")
        model.load_state_dict(st["model"])
    except (OSError, RuntimeError, KeyError, ValueError, TypeError, EOFError,
            pickle.UnpicklingError) as err:
        raise SystemExit(f"snapshot.py: {a.state}: not a train.py state ({err})")
    training = json.dumps({**recipe, "train_seed": T.RC.TRAIN_SEED, "snapshot_step": step,
                           "minutes": round(st["seconds"] / 60, 1)}, default=list)
    command = f"/usr/bin/python3 scripts/train/snapshot.py {a.state} {a.out}"
    try:  # written whole, then renamed: a kill leaves no torn checkpoint at OUT
        T.R.export_checkpoint(model, a.out + ".tmp", T.R.provenance(command, recipe["seed"],
                                                                  training=training))
        os.replace(a.out + ".tmp", a.out)
    except OSError as err:
        raise SystemExit(f"snapshot.py: {a.out}: cannot write ({err})")
    print(f"snapshot.py: {a.out}: {recipe['family']}/{recipe['name']} at step {step} "
          f"of {recipe['steps']}")


if __name__ == "__main__":
    main()

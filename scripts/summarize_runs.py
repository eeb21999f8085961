#!/usr/bin/env python3
"""Table of trainer runs from their run folders: processes, steps, step time, samples/s (in all and per process), data
wait, peak memory, first and last loss, ranks in sync, and scaling against the one-process run (the code:
seis_wav2vec.runs, nbs/24_runs.ipynb).

    python3 scripts/summarize_runs.py --out OUT_DIR RUN_DIR [RUN_DIR ...]

Step time, samples/s and the data wait are medians over the logged intervals after the first (which holds the Triton
compilation and the CUDA-graph capture). Writes runs.json and runs.md into OUT_DIR and copies each run's metrics.jsonl
there; exits with an error when a run's ranks ended with different weights.
"""
import argparse
from pathlib import Path

from seis_wav2vec.runs import out_of_sync, runs_markdown, summarize_runs


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True, help="folder for runs.json, runs.md and the metrics")
    p.add_argument("runs", nargs="+", type=Path, help="run folders (those that do not exist are left out)")
    args = p.parse_args(argv)
    table = summarize_runs(args.runs, args.out)
    print(runs_markdown(table), end="")
    if bad := out_of_sync(table): raise SystemExit(f"ranks hold different weights at the end of {bad}")


if __name__ == "__main__":
    main()

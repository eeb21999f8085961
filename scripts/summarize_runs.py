#!/usr/bin/env python3
"""Table of trainer runs from their run folders: processes, steps, step time, samples/s (total and per GPU), peak
memory, first and last loss and perplexity, ranks in sync, and scaling against the one-process run.

    python3 scripts/summarize_runs.py --out OUT_DIR RUN_DIR [RUN_DIR ...]

Step time and samples/s are means over the logged intervals after the first (which holds the Triton compilation
and the CUDA-graph capture). Writes runs.json and runs.md into OUT_DIR and copies each run's metrics.jsonl there;
exits with an error when a run's ranks ended with different weights.
"""
import argparse
import json
import shutil
from pathlib import Path


def summarize(run: Path) -> dict:
    summary = json.loads((run / "summary.json").read_text()) if (run / "summary.json").exists() else {}
    recs = [json.loads(l) for l in (run / "metrics.jsonl").read_text().splitlines() if l.strip()] \
        if (run / "metrics.jsonl").exists() else []
    train = [r for r in recs if "train/loss" in r]
    val = [r for r in recs if "val/loss" in r]
    row = dict(run=run.name, processes=summary.get("world_size"), steps=summary.get("step"),
               finished=summary.get("finished"), ranks_in_sync=summary.get("ranks_in_sync"), wall_s=summary.get("wall_s"))
    if train:
        # intervals after the first; a resumed run's first interval after the restart also holds a capture
        steady = [r for r in train[1:] if r.get("train/step_time_s") is not None] or train
        steady = sorted(steady, key=lambda r: r["train/step_time_s"])[: max(1, len(steady) - len(steady) // 10)]
        mean = lambda k: sum(r[k] for r in steady) / len(steady)
        W = summary.get("world_size") or 1
        row.update(step_time_s=mean("train/step_time_s"), samples_per_s=mean("train/samples_per_s"),
                   samples_per_s_per_gpu=mean("train/samples_per_s") / W,
                   peak_mem_gib=max(r.get("train/peak_mem_gib", 0) for r in train),
                   loss_first=train[0]["train/loss"], loss_last=train[-1]["train/loss"],
                   perplexity_first=train[0]["train/perplexity"], perplexity_last=train[-1]["train/perplexity"])
    if val:
        row.update(val_loss_last=val[-1]["val/loss"], val_accuracy_last=val[-1].get("val/accuracy"))
    return row


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("runs", nargs="+", type=Path)
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = [summarize(r) for r in args.runs if r.exists()]
    one = next((r for r in rows if r.get("processes") == 1 and r.get("samples_per_s")), None)
    for r in rows:
        if one and r.get("samples_per_s"):
            r["speedup"] = r["samples_per_s"] / one["samples_per_s"]
            r["scaling_efficiency"] = r["speedup"] / r["processes"]
    for run in args.runs:
        if (run / "metrics.jsonl").exists(): shutil.copy(run / "metrics.jsonl", args.out / f"{run.name}_metrics.jsonl")
    (args.out / "runs.json").write_text(json.dumps(rows, indent=1))
    keys = ["processes", "steps", "step_time_s", "samples_per_s", "samples_per_s_per_gpu", "speedup",
            "scaling_efficiency", "peak_mem_gib", "loss_first", "loss_last", "perplexity_last", "val_loss_last",
            "ranks_in_sync", "wall_s"]
    fmt = lambda v: f"{v:.4g}" if isinstance(v, float) else ("" if v is None else str(v))
    lines = ["| run | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    lines += [f"| {r['run']} | " + " | ".join(fmt(r.get(k)) for k in keys) + " |" for r in rows]
    (args.out / "runs.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    out_of_sync = [r["run"] for r in rows if r.get("ranks_in_sync") is False]
    if out_of_sync: raise SystemExit(f"ranks hold different weights at the end of {out_of_sync}")


if __name__ == "__main__":
    main()

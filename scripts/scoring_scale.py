#!/usr/bin/env python3
"""The downstream study's scoring (`downstream.predict_targets`) on a STEAD-sized split: windows/s and peak memory.

`--build` writes a SeisBench folder of `--rows` traces (STEAD has 1.27 million) whose metadata repeats the offline
dataset's rows over its waveforms, with readable names of their own, a 80/10/10 split and twenty filler columns. The
waveforms file is the offline dataset's, linked: the metadata is at full scale, the waveforms repeat. Then each run
opens the study as `python -m seis_wav2vec.downstream` does, scores a warm-up batch (compiling on a GPU) and then the
first `--targets` task 1 targets of the dev split with a picker on the experiment's untrained backbone, and prints one
JSON line: windows/s, the process's peak resident memory and a checksum of the predictions. Run each setting in its
own process, since the peak is the process's.

    python3 scripts/scoring_scale.py --build /tmp/stead_like --rows 1270000
    python3 scripts/scoring_scale.py /tmp/stead_like --targets 50000 --workers 8
"""
import argparse
import importlib
import json
import logging
import os
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seis_wav2vec.backbone import Backbone
from seis_wav2vec.config import load_config
from seis_wav2vec.data import open_dataset
from seis_wav2vec.downstream import DownstreamConfig, HeadConfig, make_picker, open_study


def build(folder: Path, rows: int):
    offline = open_dataset("offline")   # built on first use
    meta = pd.read_csv(offline.path / "metadata.csv")
    big = pd.concat([meta] * -(-rows // len(meta)), ignore_index=True).iloc[:rows].copy()
    big["trace_name_original"] = [f"XX.S{i:07d}..HH" for i in range(rows)]
    rng = np.random.default_rng(0)
    big["split"] = rng.choice(["train", "dev", "test"], rows, p=[0.8, 0.1, 0.1])
    for j in range(20):
        big[f"filler_{j}"] = rng.normal(size=rows) if j % 2 else [f"v{k % 997}" for k in range(rows)]
    folder.mkdir(parents=True, exist_ok=True)
    big.to_csv(folder / "metadata.csv", index=False)
    if not (folder / "waveforms.hdf5").exists():
        os.symlink((offline.path / "waveforms.hdf5").resolve(), folder / "waveforms.hdf5")
    print(json.dumps(dict(built=str(folder), rows=rows, metadata_mb=round((folder / "metadata.csv").stat().st_size / 1e6))))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", type=Path)
    p.add_argument("--build", action="store_true", help="write the folder, then stop")
    p.add_argument("--rows", type=int, default=1_270_000)
    p.add_argument("--targets", type=int, default=50_000)
    p.add_argument("--workers", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--module", default="seis_wav2vec.downstream", help="module whose predict_targets runs")
    args = p.parse_args()
    if args.build: return build(args.folder, args.rows)
    logging.disable(logging.WARNING)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    predict_targets = importlib.import_module(args.module).predict_targets
    started = time.perf_counter()
    study = open_study(DownstreamConfig(dataset_name=str(args.folder)), log=None)
    opened = time.perf_counter() - started
    torch.manual_seed(0)
    picker = make_picker("finetune", Backbone.from_experiment(load_config("configs/xlstm_unet_seisbench.yaml")),
                         HeadConfig(), seed=0)
    dev, (task1, _) = study.splits["dev"], study.targets["dev"]
    workers = dict(num_workers=args.workers) if args.workers else {}
    predict_targets(picker, dev, task1.tail(args.batch_size), 4096, args.batch_size, device, **workers)  # warm-up
    if device == "cuda": torch.cuda.synchronize()
    targets = task1.head(args.targets)
    started = time.perf_counter()
    out = predict_targets(picker, dev, targets, 4096, args.batch_size, device, **workers)
    seconds = time.perf_counter() - started
    print(json.dumps(dict(module=args.module, device=device, workers=args.workers, dev_traces=len(dev),
                          targets=len(targets), traces_read=int(targets.trace_idx.nunique()),
                          open_study_s=round(opened, 1), seconds=round(seconds, 1),
                          windows_per_s=round(len(targets) / seconds),
                          peak_rss_gib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
                          checksum=[round(float(out.score_detection.sum()), 3), int(out.p_sample_pred.sum())])))


if __name__ == "__main__":
    main()

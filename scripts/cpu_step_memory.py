#!/usr/bin/env python3
"""Peak resident memory of one training step on the CPU at a given batch, against the lower bound that the trainer's
memory check (`seis_wav2vec.train.cpu_memory_problems`) computes for it. One process per batch size, since the peak is
the process's lifetime maximum:

    for B in 8 16 32; do python scripts/cpu_step_memory.py $B; done          # the experiment config
    python scripts/cpu_step_memory.py 8 --config configs/smoke.yaml
"""
import argparse
import resource
import time

import torch

from seis_wav2vec.config import load_config
from seis_wav2vec.contrastive import ContrastiveModel
from seis_wav2vec.step import TrainingStep
from seis_wav2vec.train import saved_activation_bytes


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("batch", type=int, help="windows in the step")
    p.add_argument("--config", default="configs/xlstm_unet_seisbench.yaml")
    args = p.parse_args()
    cfg = load_config(args.config, ["trainer.devices=1"])
    torch.manual_seed(0)
    model = ContrastiveModel.from_experiment(cfg).train()
    one, two = (saved_activation_bytes(model, b, cfg.data.sample_len) for b in (1, 2))
    state = 3 * sum(p.numel() * p.element_size() for p in model.parameters())
    bound = state + one + (args.batch - 1) * (two - one)
    step = TrainingStep(model, cfg, torch.device("cpu"))
    started = time.time()
    step([torch.randn(args.batch, 3, cfg.data.sample_len)], [(0, 1)])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    print(f"{args.config} batch {args.batch}: peak {peak / 2**30:.2f} GiB, bound {bound / 2**30:.2f} GiB, "
          f"above it {(peak - bound) / 2**30:.2f} GiB; step {time.time() - started:.1f} s")


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Where a graphed, compiled pretraining step spends its time on this GPU, and what a few settings change: one U-Net
# stage per level (scripts/stage_anatomy.py, 60 largest kernels each), the same under two inductor
# settings, and the trainer's step profiled by kernel class (seis_wav2vec.benchmark). Logs go to $OUT.
#   OUT=runs/anatomy bash scripts/gpu_anatomy.sh
set -uo pipefail
source scripts/gpu_env.sh
OUT=${OUT:-runs/anatomy}; mkdir -p "$OUT"
gpu_machine > "$OUT/machine.txt"
S="python3 scripts/stage_anatomy.py --out $OUT/stages.jsonl --variants blocks --top 60"
$S --levels 0 1 2 2>&1 | tee -a "$OUT/stages.log"
$S --levels 0 1 2 --inductor aggressive_fusion=True 2>&1 | tee -a "$OUT/stages.log"
$S --levels 0 1 2 --inductor combo_kernels=True 2>&1 | tee -a "$OUT/stages.log"
python3 -m seis_wav2vec.benchmark --out "$OUT/bench" --skip ours reference data finetune loss 2>&1 |
  tail -40 > "$OUT/bench.log"

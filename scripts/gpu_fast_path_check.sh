#!/usr/bin/env bash
# Fine-tuning and inference on the fast path, on one GPU; everything it writes lands in $OUT.
#   PART=bench bash scripts/gpu_fast_path_check.sh   # the notebook's GPU checks, then the benchmark with its fine-tuning part
#   PART=study bash scripts/gpu_fast_path_check.sh   # the downstream command line, fast and --eager, the same runs
#   bash scripts/gpu_fast_path_check.sh              # both (about 12 minutes on one H200)
# bench: 40_downstream's cells up to its GPU check (`PickerStep` graphed against eager) -> 40_downstream_cuda.log;
#   `python -m seis_wav2vec.benchmark` on a TRACES-trace dataset (pretraining step, reference, data side, and the
#   picker's step eager / fast / probe with fixed-seed loss curves, inference and loader windows/s) -> bench/.
# study: `python -m seis_wav2vec.downstream` on the offline dataset from a randomly initialised backbone of the
#   experiment config (speed does not depend on the weights): finetune and probe, two seeds, STEPS steps each, once on
#   the fast path and once with --eager -> study_fast/, study_eager/ (results.csv: train_s, first_step_s, eval_s).
set -euo pipefail
OUT=${OUT:-runs/gpu_fast_path}
PART=${PART:-all}
TRACES=${TRACES:-20000}
STEPS=${STEPS:-100}
mkdir -p "$OUT"
source scripts/gpu_env.sh
gpu_machine | tee "$OUT/run_$PART.txt"
if [ "$PART" = bench ] || [ "$PART" = all ]; then
  python3 scripts/run_notebook_cells.py nbs/40_downstream.ipynb --flags cuda --until 74e97eec 2>&1 \
    | tee "$OUT/40_downstream_cuda.log"
  python3 -m seis_wav2vec.benchmark --out "$OUT/bench" --traces "$TRACES" --data-dir /tmp/seis_bench_data 2>&1 \
    | grep -v '^USDT' | tee "$OUT/benchmark.log"
fi
if [ "$PART" = study ] || [ "$PART" = all ]; then
  BACKBONE=/tmp/random_backbone.safetensors
  python3 -c "
import sys, torch
from seis_wav2vec.backbone import Backbone
from seis_wav2vec.config import load_config
from seis_wav2vec.inference import export_backbone
torch.manual_seed(0)
export_backbone(Backbone.from_experiment(load_config('configs/xlstm_unet_seisbench.yaml')), sys.argv[1])" "$BACKBONE"
  for form in fast eager; do
    start=$SECONDS
    python3 -m seis_wav2vec.downstream "$BACKBONE" --dataset offline --out "$OUT/study_$form" --device cuda \
      --modes finetune probe --fractions 1.0 --seeds 0 1 --min-steps "$STEPS" --max-steps "$STEPS" \
      --max-targets 250 --workers "${WORKERS:-8}" --no-pickers $([ $form = eager ] && echo --eager) 2>&1 \
      | tee "$OUT/study_$form.log"
    echo "study ($form): $((SECONDS - start)) s" | tee -a "$OUT/study_$form.log"
  done
fi

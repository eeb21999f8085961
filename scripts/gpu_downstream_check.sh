#!/usr/bin/env bash
# The downstream study on one GPU, from a pretraining checkpoint, in one command; everything it writes lands in $OUT.
#   bash scripts/gpu_downstream_check.sh CHECKPOINT              # offline dataset, OUT=runs/gpu_downstream
#   DATASET=offline_shifted OUT=runs/h200_downstream bash scripts/gpu_downstream_check.sh CHECKPOINT
#   bash scripts/gpu_downstream_check.sh                         # no checkpoint: pretrain PRE_STEPS=400 steps first
# $OUT then holds run.txt (machine and command), loader_speed.csv, downstream.log, results.csv (one row per mode,
# label fraction and seed), summary.csv (mean, std, min, max over seeds), controls.csv (each pretrained arm minus its
# random-initialisation control, paired by seed), config.json, data_efficiency.png, targets/ and one folder of
# predictions per run (and pretrain.log, pretrain_metrics.jsonl when it pretrained). Commit all but the per-run
# folders under benchmarks/results/<date>_h200_downstream/.
#
# Budget: 4 modes x 2 label fractions (5 %, 100 %) x 3 seeds = 24 pickers. Every arm of a fraction trains for the
# same number of steps at batch 64. On one H200 (benchmarks/results/2026-12-01_h200_fast_path/) a step of finetune or
# random (backbone forward and backward, compiled blocks, one CUDA graph) takes about 0.065 s and a step of probe or
# probe_random (backbone forward only) about 0.04 s (0.165 s and 0.08 s with --eager); the first picker of the
# process adds 20-45 s of compilation, the later ones under a second. 8 loader workers deliver about 3,300
# windows/s, above the 1,000 a fast fine-tuning step consumes (loader_speed.csv measures this machine). One seed of
# all four modes at S steps thus costs about S x (2 x 0.065 + 2 x 0.04) = 0.21 S s: MIN_STEPS=60 (5 %: the offline
# training split's 80 labelled traces, 48 passes) and MAX_STEPS=120 (100 %: 1,608 traces, 4.8 passes; 10 epochs would
# be 252 steps) give 3 seeds x 0.21 x (60 + 120) = 113 s of training. Scoring at most MAX_TARGETS=250 windows per
# task and split takes about 2 s a picker, 50 s in all, and the start (imports, the dataset, compilation) about a
# minute: about 4 minutes. train_s, first_step_s, data_wait_s and eval_s of each run in results.csv show where the
# time went; scale MIN_STEPS and MAX_STEPS together to fit another budget.
set -euo pipefail
CKPT=${1:-}
OUT=${OUT:-runs/gpu_downstream}
DATASET=${DATASET:-offline}
WORKERS=${WORKERS:-8}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 SEISBENCH_CACHE_ROOT=${SEISBENCH_CACHE_ROOT:-/tmp/sb} SEIS_WAV2VEC_DATA=${SEIS_WAV2VEC_DATA:-/tmp/seis_data}
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD
fi
if [ -z "$CKPT" ]; then
  RUN=/tmp/seis_runs/pretrain
  rm -rf "$RUN"
  python3 -m seis_wav2vec.train --config configs/xlstm_unet_seisbench.yaml --run-dir "$RUN" trainer.devices=1 \
    trainer.max_steps="${PRE_STEPS:-400}" trainer.log_every_n_steps=50 trainer.val_check_interval=1.0 \
    trainer.checkpoint_every_n_steps=0 2>&1 | tr '\r' '\n' | grep -v '^train: ' | tee "$OUT/pretrain.log"
  cp "$RUN/metrics.jsonl" "$OUT/pretrain_metrics.jsonl"
  CKPT=$RUN/checkpoints/best.pt
fi
STUDY=(python3 -m seis_wav2vec.downstream "$CKPT" --dataset "$DATASET" --out "$OUT" --device cuda
       --fractions 0.05 1.0 --seeds 0 1 2 --epochs 10 --min-steps "${MIN_STEPS:-60}" --max-steps "${MAX_STEPS:-120}"
       --max-targets "${MAX_TARGETS:-250}" --workers "$WORKERS" --no-pickers)
{ date -u +%FT%TZ; git rev-parse HEAD 2>/dev/null || true
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || true
  python3 -c "import torch, sklearn; print('torch', torch.__version__, 'scikit-learn', sklearn.__version__)"
  echo "${STUDY[*]}"; } | tee "$OUT/run.txt"
# windows/s of the training loader at full size on this machine's cores, in the main process and with the workers
python3 -c "
import pandas as pd, sys
from seis_wav2vec.data import open_dataset, _split_of
from seis_wav2vec.downstream import loader_windows_per_second, picking_generator
generator = picking_generator(_split_of(open_dataset(sys.argv[1]), 'train', 0), 4096)
speed = pd.DataFrame([loader_windows_per_second(generator, w, batches=8) for w in (0, int(sys.argv[2]))])
speed.to_csv(sys.argv[3], index=False); print(speed.round(2).to_string(index=False))" "$DATASET" "$WORKERS" "$OUT/loader_speed.csv"
start=$SECONDS
"${STUDY[@]}" 2>&1 | tee "$OUT/downstream.log"
echo "study: $((SECONDS - start)) s" | tee -a "$OUT/downstream.log"

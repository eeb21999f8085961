#!/usr/bin/env bash
# GPU check of "does pretraining help": pretrain the full experiment config on one GPU for PRE_STEPS steps on the
# offline dataset, then run the picking/detection study (probe, fine-tune, random-init control) at label fractions
# FRACTIONS on the same dataset's splits. Writes pretrain.log, downstream.log, results.csv and metrics to $OUT.
#   bash scripts/gpu_downstream_check.sh           # PRE_STEPS=400 FRACTIONS="0.05 1.0" MAX_STEPS=200
set -euo pipefail
OUT=${OUT:-runs/gpu_downstream_check}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 SEISBENCH_CACHE_ROOT=${SEISBENCH_CACHE_ROOT:-/tmp/sb} SEIS_WAV2VEC_DATA=${SEIS_WAV2VEC_DATA:-/tmp/seis_data}
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD
fi
RUN=/tmp/seis_runs/pretrain DOWN=/tmp/seis_runs/downstream
rm -rf "$RUN" "$DOWN"
python3 -m seis_wav2vec.train --config configs/xlstm_unet_seisbench.yaml --run-dir "$RUN" trainer.devices=1 \
  trainer.max_steps="${PRE_STEPS:-400}" trainer.log_every_n_steps=50 trainer.val_check_interval=1.0 \
  train.checkpoint_every_n_steps=0 2>&1 | tr '\r' '\n' | grep -v '^train: ' | tee "$OUT/pretrain.log"
cp "$RUN/metrics.jsonl" "$OUT/pretrain_metrics.jsonl"
python3 -m seis_wav2vec.downstream "$RUN/checkpoints/best.pt" --dataset offline --out "$DOWN" --device cuda \
  --fractions ${FRACTIONS:-0.05 1.0} --max-steps "${MAX_STEPS:-200}" --min-steps 50 2>&1 | tee "$OUT/downstream.log"
cp "$DOWN/results.csv" "$OUT/results.csv"
column -s, -t < "$OUT/results.csv"

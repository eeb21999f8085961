#!/usr/bin/env bash
# The codebook study of nbs/14_contrastive: the experiment config for STEPS steps on one GPU, once per setting in ARMS,
# all runs side by side on the same GPU (each its own process and CUDA graph; the GPU time-slices between them), on an
# offline dataset of N_TRACES synthetic traces built there. Each run's metrics.jsonl is copied to $OUT as it grows, so
# a run cut short still reports what it reached.
#   bash scripts/gpu_codebook_study.sh                          # the four settings below, 1,000 steps
#   ARMS="lambda_0.3:model.quantizer.diversity_lambda=0.3" STEPS=200 bash scripts/gpu_codebook_study.sh
set -euo pipefail
OUT=${OUT:-runs/gpu_codebook_study}
STEPS=${STEPS:-1000}
N_TRACES=${N_TRACES:-16000}
ARMS=${ARMS:-"lambda_0.1:model.quantizer.diversity_lambda=0.1
lambda_0.3:model.quantizer.diversity_lambda=0.3
lambda_1.0:model.quantizer.diversity_lambda=1.0
lambda_0.3_slow_anneal:model.quantizer.diversity_lambda=0.3,model.quantizer.gumbel_anneal_steps=277000"}
mkdir -p "$OUT"
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1  # no NVLink multicast
export PYTHONUNBUFFERED=1 SEISBENCH_CACHE_ROOT=${SEISBENCH_CACHE_ROOT:-/tmp/sb} SEIS_WAV2VEC_DATA=${SEIS_WAV2VEC_DATA:-/tmp/seis_data}
export TORCHINDUCTOR_COMPILE_THREADS=${TORCHINDUCTOR_COMPILE_THREADS:-4}  # the runs compile side by side
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD
else
  export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
fi
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c 'import torch, triton, xlstm; print("torch", torch.__version__, "triton", triton.__version__, "xlstm", xlstm.__version__)'
  git log -1 --format='commit %H' 2>/dev/null || true
} | tee "$OUT/study.log"
[ -d "$SEIS_WAV2VEC_DATA/offline" ] || python3 -c "from seis_wav2vec.offline import build_offline_dataset_cli as build
build(['--n-traces', '$N_TRACES', '--chunks', '16', '--workers', '16'])" 2>&1 | tail -1 | tee -a "$OUT/study.log"
RUNS=/tmp/seis_runs
rm -rf "$RUNS"; mkdir -p "$RUNS"
pids=()
while IFS=: read -r name overrides; do
  [ -n "$name" ] || continue
  echo "+ $name: ${overrides//,/ }" | tee -a "$OUT/study.log"
  python3 -m seis_wav2vec.train --config configs/xlstm_unet_seisbench.yaml --run-dir "$RUNS/$name" trainer.devices=1 \
    trainer.max_steps="$STEPS" trainer.max_epochs=null trainer.log_every_n_steps=25 trainer.val_check_interval=1.0 \
    trainer.checkpoint_every_n_steps=0 loader.num_workers=3 loader.prefetch_factor=4 ${overrides//,/ } \
    > "$RUNS/$name.log" 2>&1 &
  pids+=($!)
done <<< "$ARMS"
copy() {  # each run's metrics so far
  for d in "$RUNS"/*/; do if [ -f "$d/metrics.jsonl" ]; then cp "$d/metrics.jsonl" "$OUT/$(basename "$d").jsonl"; fi; done
}
while kill -0 "${pids[@]}" 2>/dev/null; do sleep 15; copy; done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
copy
for f in "$RUNS"/*.log; do echo "== $(basename "$f")"; grep -E "validation|warning|error|stopped|Traceback" "$f" | tail -8; done \
  | tee -a "$OUT/study.log"
exit $status

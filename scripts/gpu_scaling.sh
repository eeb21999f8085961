#!/usr/bin/env bash
# Multi-GPU runs of the full experiment config (batch 64 per GPU, bf16, TFLA kernels, CUDA-graph steps) on a
# SeisBench-format dataset of TRACES synthetic traces built on the machine (the offline dataset scaled up):
#   MODE=scaling  STEPS steps on 1, 2 and 4 GPUs (as many as there are): samples/s, scaling efficiency, memory;
#   MODE=long     one run on all GPUs for STEPS steps, killed at step KILL_AT by SIGKILL of rank 1 and restarted
#                 by torchrun --max-restarts 1 from its last checkpoint (--auto-resume).
# Logs, metrics and tables go to $OUT. Run from the repository root on the GPU machine, wheels in .whl/:
#   MODE=scaling STEPS=150 bash scripts/gpu_scaling.sh
#   MODE=long STEPS=1000 KILL_AT=700 bash scripts/gpu_scaling.sh
set -euo pipefail
OUT=${OUT:-runs/gpu_scaling}
MODE=${MODE:-scaling}
STEPS=${STEPS:-150}
KILL_AT=${KILL_AT:-700}
TRACES=${TRACES:-200000}
DATA=${DATA:-/tmp/seis_bench/bench_$TRACES}
RUNS=${RUNS:-/tmp/seis_runs}
mkdir -p "$OUT" "$RUNS"
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1  # no NVLink multicast
export PYTHONUNBUFFERED=1 SEISBENCH_CACHE_ROOT=${SEISBENCH_CACHE_ROOT:-/tmp/sb} SEIS_WAV2VEC_DATA=${SEIS_WAV2VEC_DATA:-/tmp/seis_data}
export TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1  # a restarted process group gets a store of its own
if [ -d .whl ] && [ ! -d /tmp/site/seisbench ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
fi
[ -d /tmp/site ] && export PYTHONPATH=/tmp/site:$PWD || export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
NGPU=$(python3 -c 'import torch; print(torch.cuda.device_count())')
nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader | tee "$OUT/machine.txt"
echo "cpu cores: $(nproc)" | tee -a "$OUT/machine.txt"

if [ ! -e "$DATA/chunks" ]; then  # the window is 4096 samples; traces of 41.96 s as the benchmark builds them
  t0=$(date +%s)
  python3 -c 'import sys; from seis_wav2vec.offline import build_offline_dataset_cli as build; build(sys.argv[1:])' \
    --path "$DATA" --n-traces "$TRACES" --trace-seconds 41.96 --chunks 32 --workers "$(nproc)" --no-obspy
  echo "built $DATA ($TRACES traces, $(du -sh "$DATA" | cut -f1)) in $(( $(date +%s) - t0 )) s" | tee -a "$OUT/machine.txt"
fi

CONFIG=configs/xlstm_unet_seisbench.yaml
COMMON=(data.dataset_name="[$DATA]" loader.num_workers=$(( $(nproc) / NGPU - 2 )) trainer.max_steps="$STEPS"
        trainer.max_epochs=null)
nvidia-smi --query-gpu=timestamp,index,memory.used,utilization.gpu --format=csv -l 2 > "$OUT/nvidia_smi.csv" &
SMI=$!
trap 'kill $SMI 2>/dev/null || true' EXIT

run() {  # name nproc [extra args]: one trainer run under torchrun, logged to $OUT/<name>.log
  local name=$1 nproc=$2; shift 2
  local cmd=(python3 -m torch.distributed.run --standalone --nproc_per_node "$nproc" "$@")
  echo "+ ${cmd[*]}" | tee "$OUT/$name.log"
  "${cmd[@]}" 2>&1 | grep -v "^\s*$" | tee -a "$OUT/$name.log"
}

if [ "$MODE" = scaling ]; then
  names=()
  for n in 1 2 4; do
    [ "$n" -gt "$NGPU" ] && break
    CUDA_VISIBLE_DEVICES=$(seq -s, 0 $((n - 1))) run "gpu$n" "$n" -m seis_wav2vec.train --config "$CONFIG" \
      --run-dir "$RUNS/gpu$n" trainer.devices="$n" "${COMMON[@]}" trainer.log_every_n_steps=25 \
      trainer.val_check_interval=1.0 trainer.limit_val_batches=8 trainer.checkpoint_every_n_steps=0
    names+=("$RUNS/gpu$n")
  done
  python3 scripts/summarize_runs.py --out "$OUT" "${names[@]}"
else
  rm -rf "$RUNS/long$NGPU"
  SEIS_WAV2VEC_FAULTS="kill@$KILL_AT:1" run "long$NGPU" "$NGPU" --max-restarts 1 -m seis_wav2vec.train \
    --config "$CONFIG" --run-dir "$RUNS/long$NGPU" --auto-resume trainer.devices="$NGPU" "${COMMON[@]}" \
    trainer.log_every_n_steps=25 trainer.val_check_interval=0.4 trainer.limit_val_batches=16 \
    trainer.checkpoint_every_n_steps=250 || true
  python3 scripts/summarize_runs.py --out "$OUT" "$RUNS/long$NGPU"
  ls -la "$RUNS/long$NGPU" "$RUNS/long$NGPU/checkpoints" | tee "$OUT/long_files.txt"
fi

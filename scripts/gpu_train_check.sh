#!/usr/bin/env bash
# GPU check of the trainer: the full experiment config (batch 64 per GPU, TFLA Triton kernels, bf16 autocast) for a
# few hundred steps on the offline dataset built on the machine, first on one GPU, then (with two or more GPUs) under
# torchrun DDP on two. Records step time, samples/s and peak memory, and whether the ranks hold identical weights
# after one step and at the end, in $OUT (runs.md / runs.json, the logs and the metrics).
#
# Run from the repository root on a machine with one or two H200s:
#   bash scripts/gpu_train_check.sh            # STEPS=300 by default; STEPS=100 bash ... for a shorter check
# Wheels the machine lacks (xlstm, mlstm_kernels, seisbench, obspy, ...) are installed from .whl/ if it exists.
set -euo pipefail
OUT=${OUT:-runs/gpu_train_check}
STEPS=${STEPS:-300}
mkdir -p "$OUT"
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1  # no NVLink multicast
export PYTHONUNBUFFERED=1 SEISBENCH_CACHE_ROOT=${SEISBENCH_CACHE_ROOT:-/tmp/sb} SEIS_WAV2VEC_DATA=${SEIS_WAV2VEC_DATA:-/tmp/seis_data}
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD
else
  export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
fi

NGPU=$(python3 -c 'import torch; print(torch.cuda.device_count())')
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c 'import torch, triton, xlstm, mlstm_kernels; print("torch", torch.__version__, "triton", triton.__version__, "xlstm", xlstm.__version__)'
} | tee "$OUT/machine.txt"

[ -d "$SEIS_WAV2VEC_DATA/offline" ] || python3 -c 'from seis_wav2vec.offline import build_offline_dataset_cli as build; build([])' \
  2>&1 | tail -1  # the offline dataset, built once per machine

CONFIG=configs/xlstm_unet_seisbench.yaml
COMMON=(trainer.max_steps="$STEPS" trainer.log_every_n_steps=25 trainer.val_check_interval=1.0 trainer.checkpoint_every_n_steps=0)
RUNS=/tmp/seis_runs
rm -rf "$RUNS"

run() {  # name nproc [extra args]: one trainer run, logged to $OUT/<name>.log
  local name=$1 nproc=$2; shift 2
  local launch=(python3)
  [ "$nproc" -gt 1 ] && launch=(python3 -m torch.distributed.run --standalone --nproc_per_node "$nproc")
  echo "+ ${launch[*]} -m seis_wav2vec.train --config $CONFIG --run-dir $RUNS/$name trainer.devices=$nproc ${COMMON[*]} $*" \
    | tee "$OUT/$name.log"
  "${launch[@]}" -m seis_wav2vec.train --config "$CONFIG" --run-dir "$RUNS/$name" trainer.devices="$nproc" \
    "${COMMON[@]}" "$@" 2>&1 | tee -a "$OUT/$name.log"
}

CUDA_VISIBLE_DEVICES=0 run gpu1 1
if [ "$NGPU" -ge 2 ]; then
  run ddp2_one_step 2 --stop-at-step 1
  run ddp2 2
fi

python3 scripts/summarize_runs.py --out "$OUT" "$RUNS/gpu1" "$RUNS/ddp2_one_step" "$RUNS/ddp2"

#!/usr/bin/env bash
# Two questions in one call on one GPU, everything under $OUT:
# 1. The TFLA kernel's launch settings at the 1,024- and 256-frame levels (scripts/tfla_sweep.py), with LLVM's
#    optimiser off as the trainer runs it on Triton 3.6 (DISABLE_LLVM_OPT=1, 12_xlstm_unet), and whether the
#    kernels still abort the process with the optimiser on.
# 2. What the optimiser being off costs inductor's kernels: the 256- and 64-frame stages (no TFLA call there) with
#    DISABLE_LLVM_OPT=1 and =0, each with fresh Triton and inductor caches (scripts/stage_anatomy.py).
set -uo pipefail
OUT=${OUT:-runs/gpu_tfla_llvm}
mkdir -p "$OUT"
source scripts/gpu_env.sh
gpu_machine > "$OUT/machine.txt"
run() { local name=$1 opt=$2 limit=$3; shift 3
  DISABLE_LLVM_OPT=$opt TRITON_CACHE_DIR=/tmp/triton_$name TORCHINDUCTOR_CACHE_DIR=/tmp/inductor_$name \
    timeout "$limit" python3 "$@" > "$OUT/$name.log" 2>&1
  echo "$name (DISABLE_LLVM_OPT=$opt): rc $?"; tail -n 3 "$OUT/$name.log" | cut -c1-300; }
run tfla_level0 1 "${LIMIT_SWEEP:-220}" scripts/tfla_sweep.py --out "$OUT/tfla.jsonl" --levels 0
run tfla_level1 1 60 scripts/tfla_sweep.py --out "$OUT/tfla.jsonl" --levels 1 \
  --configs '[{}, {"chunk_size": 64}, {"chunk_size": 256}, {"num_stages_intra": 2}]'
run tfla_llvm_on 0 90 scripts/tfla_sweep.py --out "$OUT/tfla_llvm_on.jsonl" --levels 0 \
  --configs '[{}, {"num_stages_intra": 2}]'
for opt in 1 0; do
  run stages_llvm_$opt $opt 100 scripts/stage_anatomy.py --out "$OUT/stages_llvm.jsonl" --variants blocks \
    --levels 1 2 --top 20
done

#!/usr/bin/env bash
# The trainer's compiled, graphed step at several `torch._functorch.config.activation_memory_budget` values: below 1,
# AOT autograd's partitioner recomputes cheap forward work in the backward instead of saving it (what each block saves
# at each value: scripts/saved_activations.py). One GPU, one call, about 2 minutes per value; everything lands in $OUT.
#   BUDGETS="1.0 0.8 0.5" bash scripts/gpu_memory_budget.sh
set -uo pipefail
OUT=${OUT:-runs/gpu_memory_budget}
BUDGETS=${BUDGETS:-1.0 0.8 0.5}
mkdir -p "$OUT"
source scripts/gpu_env.sh
gpu_machine > "$OUT/machine.txt"
for b in $BUDGETS; do
  python3 - "$b" --out "$OUT/bench_$b" --skip ours reference data finetune loss > "$OUT/bench_$b.log" 2>&1 <<'PY'
import sys
import torch._functorch.config
torch._functorch.config.activation_memory_budget = float(sys.argv.pop(1))
from seis_wav2vec import benchmark
benchmark.main()
PY
  echo "budget $b:"; grep "^| ours" "$OUT/bench_$b/benchmark.md"; grep -A8 "^| kernel class" "$OUT/bench_$b/benchmark.md"
done

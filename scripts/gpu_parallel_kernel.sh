#!/usr/bin/env bash
# The short U-Net levels' cell through mlstm_kernels' fused parallel kernel (unet.PARALLEL_KERNEL) against the
# compiled `mlstm_parallel`, on one GPU; everything lands in $OUT:
#   nb12.log: 12_xlstm_unet's cells up to the kernel's agreement test (run_notebook_cells.py --flags cuda);
#   stages.jsonl: one stage per short level, forward and backward as one CUDA graph, with each form;
#   bench_compiled/, bench_kernel/: the trainer's compiled, graphed step with each form, one after the other in this
#   call (seis_wav2vec.benchmark --skip ours reference data finetune loss), about 6 minutes in all.
#   KERNEL=parallel--triton_limit_headdim bash scripts/gpu_parallel_kernel.sh
set -uo pipefail
OUT=${OUT:-runs/gpu_parallel_kernel}
KERNEL=${KERNEL:-parallel--triton_limit_headdim}
mkdir -p "$OUT"
source scripts/gpu_env.sh
gpu_machine > "$OUT/machine.txt"
python3 scripts/run_notebook_cells.py nbs/12_xlstm_unet.ipynb --flags cuda --until 53c43b81 > "$OUT/nb12.log" 2>&1
echo "12_xlstm_unet to the kernel test: rc=$?"; grep -A1 "^cell" "$OUT/nb12.log" | tail -2
S="python3 scripts/stage_anatomy.py --out $OUT/stages.jsonl --variants blocks --top 40 --levels 1 2"
$S 2>&1 | grep '^{' | cut -c1-260
$S --parallel-kernel "$KERNEL" 2>&1 | grep '^{' | cut -c1-260
for form in compiled kernel; do
  python3 - "$([ $form = kernel ] && echo "$KERNEL")" --out "$OUT/bench_$form" --skip ours reference data finetune loss \
    > "$OUT/bench_$form.log" 2>&1 <<'PY'
import sys
from seis_wav2vec import benchmark, unet
unet.PARALLEL_KERNEL = sys.argv.pop(1) or None
benchmark.main()
PY
  echo "$form:"; grep "^| ours" "$OUT/bench_$form/benchmark.md"; grep -A8 "^| kernel class" "$OUT/bench_$form/benchmark.md"
done

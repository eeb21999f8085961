#!/usr/bin/env bash
# The trainer's compiled, graphed step (seis_wav2vec.benchmark --skip ours reference data finetune) with each of
# several code variants, one after the other in one call on one GPU, so that the figures compare on one machine.
# A variant is NAME:KERNEL:PATCH: KERNEL sets unet.PARALLEL_KERNEL for the short U-Net levels (empty: the compiled
# parallel form), or, where it holds a "=", seis_wav2vec.unet settings in the form of scripts/stage_anatomy.py --set,
# joined by commas (FUSED_OUTPUT=True,TFLA_LAUNCH.num_stages_intra=2); PATCH is a diff applied to the working tree
# for that variant and reverted after it (empty: none).
# Each variant takes about 1.5 minutes; everything lands in $OUT.
#   VARIANTS="base:: kernel:parallel--triton_limit_headdim:" bash scripts/gpu_step_levers.sh
set -uo pipefail
OUT=${OUT:-runs/gpu_step_levers}
VARIANTS=${VARIANTS:-base::}
mkdir -p "$OUT"
source scripts/gpu_env.sh
gpu_machine > "$OUT/machine.txt"
for v in $VARIANTS; do
  IFS=: read -r name kernel patch <<< "$v"
  if [ -n "$patch" ]; then git apply "$patch" || { echo "$name: $patch does not apply"; continue; }; fi
  timeout "${LIMIT_S:-200}" python3 - "$kernel" --out "$OUT/$name" --skip ours reference data finetune \
    > "$OUT/$name.log" 2>&1 <<'PY'
import sys
sys.path.insert(0, "scripts")
from seis_wav2vec import benchmark, unet
from stage_anatomy import apply_settings
spec = sys.argv.pop(1)
if "=" in spec: apply_settings(spec.split(","))
else: unet.PARALLEL_KERNEL = spec or None
print("seis_wav2vec.unet settings:",
      {k: getattr(unet, k) for k in ("PARALLEL_KERNEL", "TFLA_LAUNCH", "FUSED_INPUT", "FUSED_OUTPUT")})
benchmark.main()
PY
  echo "$name (rc $?):"; grep "^| ours" "$OUT/$name/benchmark.md"
  grep -A8 "^| kernel class" "$OUT/$name/benchmark.md"; grep -A1 "^Fixed-seed" "$OUT/$name/benchmark.md"
  if [ -n "$patch" ]; then git apply -R "$patch"; fi
done

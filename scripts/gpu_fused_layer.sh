#!/usr/bin/env bash
# The fused kernels of an mLSTM layer (12c_fused_input, 12d_fused_output) on one GPU, everything under $OUT: their
# agreement with the layer's own operations at the 1,024-frame level in float32 and bf16, then one 1,024-frame stage
# as the trainer compiles it (scripts/stage_anatomy.py) under each of VARIANTS, comma-joined --set settings: without
# the kernels, with each, with both, or with other tiles (FUSED_INPUT_BLOCKS.BT=32, FUSED_OUTPUT_BLOCKS.tile=2048).
#   VARIANTS="FUSED_INPUT=False FUSED_INPUT=True,FUSED_OUTPUT=True" LEVELS="0 1 2" bash scripts/gpu_fused_layer.sh
set -uo pipefail
OUT=${OUT:-runs/gpu_fused_layer}
mkdir -p "$OUT"
source scripts/gpu_env.sh
gpu_machine > "$OUT/machine.txt"
timeout "${LIMIT_CHECK:-60}" python3 - > "$OUT/check.log" 2>&1 <<'PY'
import json, torch
from seis_wav2vec.fused_input import check_fused_input
from seis_wav2vec.fused_output import check_fused_output
for check in (check_fused_input, check_fused_output):
    for dtype in (torch.float32, torch.bfloat16):
        errors = check(128, 1024, 4, device="cuda", dtype=dtype)
        print(json.dumps({"check": check.__name__, "dtype": str(dtype), "largest": max(errors.values()), **errors}),
              flush=True)
PY
echo "check: rc $?"; cut -c1-200 "$OUT/check.log"
for v in ${VARIANTS:-FUSED_INPUT=False FUSED_INPUT=True FUSED_OUTPUT=True FUSED_INPUT=True,FUSED_OUTPUT=True}; do
  log="$OUT/stage_${v//[^A-Za-z0-9_.]/_}.log"
  timeout "${LIMIT_STAGE:-110}" python3 scripts/stage_anatomy.py --out "$OUT/stages.jsonl" --variants blocks \
    --levels ${LEVELS:-0} --top 30 --set ${v//,/ } > "$log" 2>&1
  echo "stage $v: rc $?"; grep '^{' "$log" | cut -c1-400
done

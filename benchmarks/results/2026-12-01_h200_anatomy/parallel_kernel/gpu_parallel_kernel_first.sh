#!/usr/bin/env bash
# The short U-Net levels' cell through mlstm_kernels' fused parallel Triton kernel (`parallel--triton_limit_headdim`)
# against this project's compiled `mlstm_parallel` (unet.PARALLEL_KERNEL), on one GPU; everything lands in $OUT.
# agreement.jsonl: the experiment's backbone (eval mode, batch 8), same weights and input: relative error of the output
#   and of all parameter gradients against the TFLA-everywhere backbone in bf16, beside the bf16 noise (float32 run).
# stages.jsonl: one stage per short level, forward and backward as one CUDA graph, with each cell.
# bench_<kernel>/: the trainer's compiled, graphed step with each cell (and the loss curves, eager against graphed).
set -uo pipefail
OUT=${OUT:-runs/gpu_parallel_kernel}
KERNEL=${KERNEL:-parallel--triton_limit_headdim}
mkdir -p "$OUT"
source scripts/gpu_env.sh
gpu_machine > "$OUT/machine.txt"
python3 - "$KERNEL" <<'PY' 2>"$OUT/agreement.err" | tee "$OUT/agreement.jsonl"
import dataclasses, json, sys
import torch
from seis_wav2vec import unet
from seis_wav2vec.backbone import Backbone
from seis_wav2vec.config import load_config

cfg = load_config("configs/xlstm_unet_seisbench.yaml")
x = torch.randn(8, 3, 4096, generator=torch.Generator().manual_seed(1)).cuda()   # [B, C, S]

def run(parallel_max_frames, kernel=None, bf16=True):
    torch.manual_seed(0)
    unet.PARALLEL_KERNEL = kernel
    u = dataclasses.replace(cfg.model.unet, parallel_max_frames=parallel_max_frames)
    backbone = Backbone(cfg.model.encoder, u, cfg.data.channels).cuda().eval()
    with torch.autocast("cuda", torch.bfloat16, enabled=bf16):
        y = backbone(x).float()
    y.square().mean().backward()
    return y.detach(), torch.cat([p.grad.flatten() for p in backbone.parameters()])

rel = lambda a, b: ((a - b).norm() / b.norm()).item()
ref = run(0)
for name, got in [("bf16 against float32, TFLA everywhere (the bf16 noise)", run(0, bf16=False)),
                  ("mlstm_parallel (compiled form, eager here) on levels <= 256 frames, bf16", run(256)),
                  (f"{sys.argv[1]} on levels <= 256 frames, bf16", run(256, sys.argv[1])),
                  (f"{sys.argv[1]} on levels <= 256 frames, float32", run(256, sys.argv[1], bf16=False))]:
    print(json.dumps({"compared": name + " against TFLA everywhere, bf16", "output_rel_err": rel(got[0], ref[0]),
                      "grad_rel_err": rel(got[1], ref[1])}), flush=True)
PY
S="python3 scripts/stage_anatomy.py --out $OUT/stages.jsonl --variants blocks --top 30 --levels 1 2"
$S 2>&1 | grep '^{' | tee -a "$OUT/stages.log"
$S --parallel-kernel "$KERNEL" 2>&1 | grep '^{' | tee -a "$OUT/stages.log"
python3 - "$KERNEL" --out "$OUT/bench_kernel" --skip ours reference data finetune <<'PY' > "$OUT/bench_kernel.log" 2>&1
import sys
from seis_wav2vec import benchmark, unet
unet.PARALLEL_KERNEL = sys.argv.pop(1)
benchmark.main()
PY
tail -3 "$OUT/bench_kernel.log"; head -8 "$OUT/bench_kernel/benchmark.md" | tail -3

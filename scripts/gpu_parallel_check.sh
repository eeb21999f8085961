#!/usr/bin/env bash
# The parallel form of the mLSTM cell on the U-Net's short levels (`model.unet.parallel_max_frames`), on one GPU;
# everything lands in $OUT.
#   bash scripts/gpu_parallel_check.sh                 # VALUES="0 64 256": 0 runs every level through the TFLA kernel
# agreement.jsonl: the experiment config's backbone (eval mode, batch 8, 4096 samples), the same weights and input at
#   every value: relative error of the output and of all parameter gradients against parallel_max_frames=0, under bf16
#   autocast, beside the bf16 noise itself (the same backbone in float32 against bf16).
# bench_pN/: `python -m seis_wav2vec.benchmark model.unet.parallel_max_frames=N --skip ours reference data finetune`:
#   the trainer's compiled, graphed step (median of 30) and the fixed-seed loss curves, eager against graphed.
set -euo pipefail
OUT=${OUT:-runs/gpu_parallel_check}
VALUES=${VALUES:-0 64 256}
mkdir -p "$OUT"
source scripts/gpu_env.sh
gpu_machine | tee "$OUT/machine.txt"
python3 - $VALUES <<'PY' 2>"$OUT/agreement.err" | tee "$OUT/agreement.jsonl"
import dataclasses, json, sys
import torch
from seis_wav2vec.backbone import Backbone
from seis_wav2vec.config import load_config

cfg = load_config("configs/xlstm_unet_seisbench.yaml")
x = torch.randn(8, 3, 4096, generator=torch.Generator().manual_seed(1)).cuda()   # [B, C, S]

def run(parallel_max_frames: int, bf16: bool = True):
    "Output [B, T, D] and all parameter gradients of a fixed backbone (same seed, so the same weights)."
    torch.manual_seed(0)
    unet = dataclasses.replace(cfg.model.unet, parallel_max_frames=parallel_max_frames)
    backbone = Backbone(cfg.model.encoder, unet, cfg.data.channels).cuda().eval()
    with torch.autocast("cuda", torch.bfloat16, enabled=bf16):
        y = backbone(x).float()
    y.square().mean().backward()
    return y.detach(), torch.cat([p.grad.flatten() for p in backbone.parameters()])

rel = lambda a, b: ((a - b).norm() / b.norm()).item()
ref_y, ref_g = run(0)
fp32_y, fp32_g = run(0, bf16=False)
print(json.dumps({"compared": "bf16 against float32, parallel_max_frames=0 (the bf16 noise)",
                  "output_rel_err": rel(ref_y, fp32_y), "grad_rel_err": rel(ref_g, fp32_g)}))
for value in map(int, sys.argv[1:]):
    if value == 0: continue
    y, g = run(value)
    print(json.dumps({"compared": f"parallel_max_frames={value} against 0, bf16", "output_rel_err": rel(y, ref_y),
                      "grad_rel_err": rel(g, ref_g), "output_rel_err_vs_fp32": rel(y, fp32_y),
                      "grad_rel_err_vs_fp32": rel(g, fp32_g)}))
PY
for n in $VALUES; do
  python3 -m seis_wav2vec.benchmark "model.unet.parallel_max_frames=$n" --out "$OUT/bench_p$n" \
    --skip ours reference data finetune 2>&1 | grep -v '^USDT' > "$OUT/bench_p$n.log"
  grep -E "compiled blocks \||largest difference" "$OUT/bench_p$n/benchmark.md" | sed "s/^/parallel_max_frames=$n: /"
done

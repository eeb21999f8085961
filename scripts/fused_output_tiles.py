#!/usr/bin/env python3
"""The fused output kernels (12d_fused_output) alone, at the experiment's three U-Net levels and batch 64 under bf16,
for each tiling of `FUSED_OUTPUT_BLOCKS`: device time of `_output_fwd` and `_output_bwd` (profiled over 10 calls), the
bytes each must move and the bandwidth that makes, and the largest difference of the outputs and gradients from the
first tiling's. LLVM's optimiser is off, as in the trainer on Triton 3.6, unless DISABLE_LLVM_OPT is set. One JSON
line per tiling and level, on a GPU:

    python3 scripts/fused_output_tiles.py --out $OUT/tiles.jsonl \\
        --tilings '{}' '{"loop": 8, "stages": 2, "span_bwd": 4096, "warps_bwd": 8}'

A tiling names the keys of `FUSED_OUTPUT_BLOCKS` it changes; the first is the reference of the differences. The
forward's keys (tile, loop, stages, num_warps) and the backward's (tile_bwd, span_bwd, stages_bwd, warps_bwd) are
ranked apart, by each kernel's time over the step's 15 layers (6 at 1,024 frames, 6 at 256, 3 at 64); the best of
each make the settings written to OUT with the suffix .best, in the form of scripts/gpu_step_levers.sh.
"""
import json, os
from pathlib import Path

os.environ.setdefault("DISABLE_LLVM_OPT", "1")  # as in the trainer on Triton 3.6 (unet.avoid_kernel_compile_abort)

import torch

from fused_input_tiles import LEVELS, arguments, kernel_ms, tiling_row
from seis_wav2vec import fused_output
from seis_wav2vec.fused_input import check_layer

DEFAULT = dict(fused_output.FUSED_OUTPUT_BLOCKS)
KEYS = {"_output_fwd": ("tile", "loop", "stages", "num_warps"),
        "_output_bwd": ("tile_bwd", "span_bwd", "stages_bwd", "warps_bwd")}


def level_bytes(B: int, T: int, I: int, S: int = 2) -> dict[str, int]:
    "Bytes each kernel must read and write once (bf16 activations; the weights and the weight sums left out)."
    act = B * T * I * 2
    return {"_output_fwd": (2 * S + 1) * act + act,  # reads the cell output and xc of each direction, z; writes y
            "_output_bwd": (2 * S + 2) * act + (2 * S + 1) * act}  # reads those and dy; writes dh, dxc, dz


def run_level(level: int, tilings: list[dict], batch: int) -> list[dict]:
    d_model, T, _ = LEVELS[level]
    layer = check_layer(d_model, 4, "cuda", True, 0)
    S, I, NH = layer.num_directions, layer.inner, layer.num_heads
    torch.manual_seed(1)
    bf = dict(device="cuda", dtype=torch.bfloat16)
    h = (3 * torch.randn(S * batch, NH, T, I // NH, **bf) + 1).requires_grad_()  # the cell's output
    xc = torch.randn(S, batch, T, I, **bf).requires_grad_()
    z = torch.randn(batch, T, 2 * I, **bf)[..., I:].requires_grad_()  # the second half of proj_up's output
    params = [h, xc, z, layer.norm_weight, layer.skip]
    dy = torch.randn(batch, T, I, **bf)
    rows, reference = [], None
    for tiling in tilings:
        fused_output.FUSED_OUTPUT_BLOCKS.clear(); fused_output.FUSED_OUTPUT_BLOCKS.update(DEFAULT | tiling)
        def call():
            y = fused_output.fused_output(layer, h, xc, z)
            return [y.detach()] + list(torch.autograd.grad(y, params, dy))
        try:
            results = call()
            ms = kernel_ms(call, names=tuple(KEYS))
        except Exception as e:  # a tiling the compiler or the checks refuse: record and go on
            rows.append(dict(level=level, tiling=tiling, error=f"{type(e).__name__}: {str(e)[:300]}")); continue
        if reference is None: reference = results
        rows.append(tiling_row(tiling, ms, level_bytes(batch, T, I, S), results, reference,
                               level=level, T=T, I=I, DH=I // NH, batch=batch))
    return rows


def main():
    args = arguments(__doc__, "FUSED_OUTPUT_BLOCKS")
    tilings = [json.loads(t) for t in args.tilings]
    out = open(args.out, "a")
    step = {k: [0.0] * len(tilings) for k in KEYS}  # ms a step of each kernel under each tiling
    for level in args.levels:
        for j, row in enumerate(run_level(level, tilings, args.batch)):
            print(json.dumps(row), flush=True)
            out.write(json.dumps(row) + "\n")
            for k in KEYS: step[k][j] += float("inf") if "error" in row else LEVELS[level][2] * row[k]
    best = {}
    for k, keys in KEYS.items():
        ranking = sorted((round(ms, 3), json.dumps(t)) for ms, t in zip(step[k], tilings))
        line = {f"{k}_ms_per_step": ranking}
        print(json.dumps(line), flush=True)
        out.write(json.dumps(line) + "\n")
        best |= {key: v for key, v in json.loads(ranking[0][1]).items() if key in keys}
    Path(args.out).with_suffix(".best").write_text(",".join(f"FUSED_OUTPUT_BLOCKS.{k}={v}" for k, v in best.items()))


if __name__ == "__main__":
    main()

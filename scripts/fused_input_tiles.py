#!/usr/bin/env python3
"""The fused input kernels (12c_fused_input) alone, at the experiment's three U-Net levels and batch 64 under bf16, for
each tiling of `FUSED_INPUT_BLOCKS`: device time of `_input_fwd` and `_input_bwd` (profiled over 10 calls), the bytes
each must move and the bandwidth that makes, and the largest difference of the outputs and gradients from the first
tiling's. LLVM's optimiser is off, as in the trainer on Triton 3.6, unless DISABLE_LLVM_OPT is set. One JSON line per
tiling and level, on a GPU:

    python3 scripts/fused_input_tiles.py --out $OUT/tiles.jsonl \
        --tilings '{}' '{"loop": 4, "stages": 2, "loop_bwd": 4, "stages_bwd": 2}'

A tiling names the keys of `FUSED_INPUT_BLOCKS` it changes; the first is the reference of the differences. The last
line ranks the tilings by the time of both kernels over the step's 15 layers (6 at 1,024 frames, 6 at 256, 3 at 64).
"""
import argparse, json, os
from pathlib import Path

os.environ.setdefault("DISABLE_LLVM_OPT", "1")  # as in the trainer on Triton 3.6 (unet.avoid_kernel_compile_abort)

import torch
from torch.profiler import ProfilerActivity, profile

from seis_wav2vec import fused_input
from seis_wav2vec.fused_input import check_layer

LEVELS = {0: (128, 1024, 6), 1: (256, 256, 6), 2: (512, 64, 3)}  # d_model, frames, layers of the step
DEFAULT = dict(fused_input.FUSED_INPUT_BLOCKS)


def kernel_ms(fn, n: int = 10, names: tuple[str, ...] = ("_input_fwd", "_input_bwd")) -> dict[str, float]:
    "Device ms per call of each kernel of `names` over n calls of fn."
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(n): fn()
        torch.cuda.synchronize()
    ms = {}
    for e in prof.key_averages():
        for name in names:
            if e.key.startswith(name): ms[name] = ms.get(name, 0.0) + e.device_time_total / n / 1e3
    return ms


def tiling_row(tiling: dict, ms: dict[str, float], nbytes: dict[str, int], results: list, reference: list,
               **sizes) -> dict:
    "One JSON line: the sizes, the tiling, each kernel's ms and GB/s, and the largest difference from the reference."
    diff = max(((a.float() - b.float()).norm() / b.float().norm().clamp_min(1e-30)).item()
               for a, b in zip(results, reference))
    return dict(**sizes, DISABLE_LLVM_OPT=os.environ["DISABLE_LLVM_OPT"], tiling=tiling,
                **{k: round(v, 4) for k, v in ms.items()},
                **{f"{k}_GB_per_s": round(nbytes[k] / (ms[k] / 1e3) / 1e9) for k in ms},
                largest_relative_difference=diff)


def arguments(doc: str, blocks: str) -> argparse.Namespace:
    "The command line of a tiles script: --out, --tilings (JSON dicts of the keys of `blocks`), --levels, --batch."
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--tilings", nargs="+", default=["{}"], help=f"JSON dicts of {blocks} keys")
    p.add_argument("--levels", nargs="*", type=int, default=[0, 1, 2])
    p.add_argument("--batch", type=int, default=64)
    return p.parse_args()


def level_bytes(B: int, T: int, I: int, S: int = 2, GP: int = 16) -> dict[str, int]:
    "Bytes each kernel must read and write once (bf16 activations; the gates and weights left out)."
    act = S * B * T * I * 2
    return {"_input_fwd": B * T * I * 2 + 4 * act,  # reads the input; writes q, k, v, xc
            "_input_bwd": 3 * act + act + B * T * I * 2 + 2 * act  # reads dq, dk, dv, dxc, the input; writes dconv, dxs
                          + S * B * T * (2 * I + GP) * 2 + B * T * S * (I + GP) * 2}  # and the maps' gradient buffers


def run_level(level: int, tilings: list[dict], batch: int) -> list[dict]:
    d_model, T, _ = LEVELS[level]
    layer = check_layer(d_model, 4, "cuda", True, 0)
    I = layer.inner
    torch.manual_seed(1)
    x = torch.randn(batch, T, 2 * I, device="cuda", dtype=torch.bfloat16)[..., :I].requires_grad_()  # proj_up's half
    params = [x] + [getattr(layer, n) for n in ("conv_weight", "conv_bias", "q_weight", "k_weight", "v_weight",
                                               "gate_weight", "gate_bias")]
    grads = None
    rows, reference = [], None
    for tiling in tilings:
        fused_input.FUSED_INPUT_BLOCKS.clear(); fused_input.FUSED_INPUT_BLOCKS.update(DEFAULT | tiling)
        def call():
            nonlocal grads
            with torch.autocast("cuda", torch.bfloat16):
                outs = fused_input.fused_input(layer, x)
            if grads is None:
                g = torch.Generator(device="cuda").manual_seed(2)
                grads = [torch.randn(o.shape, device="cuda", generator=g, dtype=o.dtype) for o in outs]
            return [o.detach() for o in outs] + list(torch.autograd.grad(outs, params, grads))
        try:
            results = call()
            ms = kernel_ms(call)
        except Exception as e:  # a tiling the compiler refuses (registers, shared memory): record and go on
            rows.append(dict(level=level, tiling=tiling, error=f"{type(e).__name__}: {str(e)[:300]}")); continue
        if reference is None: reference = results
        rows.append(tiling_row(tiling, ms, level_bytes(batch, T, I), results, reference,
                               level=level, T=T, I=I, batch=batch))
    return rows


def main():
    args = arguments(__doc__, "FUSED_INPUT_BLOCKS")
    tilings = [json.loads(t) for t in args.tilings]
    out = open(args.out, "a")
    step = [0.0] * len(tilings)
    for level in args.levels:
        for k, row in enumerate(run_level(level, tilings, args.batch)):
            print(json.dumps(row), flush=True)
            out.write(json.dumps(row) + "\n")
            if "error" in row: step[k] = float("inf")
            else: step[k] += LEVELS[level][2] * (row["_input_fwd"] + row["_input_bwd"])
    ranking = sorted(((round(ms, 3), json.dumps(t)) for ms, t in zip(step, tilings)))
    print(json.dumps({"ms_per_step_both_kernels": ranking}), flush=True)
    out.write(json.dumps({"ms_per_step_both_kernels": ranking}) + "\n")
    best = json.loads(ranking[0][1])
    Path(args.out).with_suffix(".best").write_text(",".join(f"FUSED_INPUT_BLOCKS.{k}={v}" for k, v in best.items()))


if __name__ == "__main__":
    main()

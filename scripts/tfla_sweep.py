#!/usr/bin/env python3
"""The TFLA chunkwise kernel (`chunkwise--triton_xl_chunk`) alone, at the shapes a U-Net level gives it, under each of
several launch settings: forward and forward + backward milliseconds (median of CUDA-event timings), and how far the
output and the input gradients are from those of the library's default settings. One JSON line per setting, on a GPU:

    python3 scripts/tfla_sweep.py --out $OUT/tfla.jsonl [--levels 0 1] [--configs '[{"num_stages_intra": 2}]'] \
        [--against-float64]

Without `--configs` it runs a built-in list that changes one setting of the default at a time (chunk sizes, block
sizes, warps, pipeline stages). A setting with a "kernel" key runs that chunkwise kernel of `mlstm_kernels` instead,
e.g. '[{}, {"kernel": "chunkwise--triton_limit_chunk", "chunk_size": 64}]'. The inputs are those of the trainer's step at batch 64: both directions stacked on
the batch, q, k, v in bf16, gates in float32. Each row records DISABLE_LLVM_OPT as the process saw it, since Triton
reads it when it compiles (12_xlstm_unet, `avoid_kernel_compile_abort`).
"""
import argparse, json, os, time
from pathlib import Path

import torch
import torch.nn.functional as F
from mlstm_kernels.torch import get_mlstm_kernel

from seis_wav2vec.config import load_config
from seis_wav2vec.unet import BidirectionalmLSTMLayer

CONFIGS = [  # one change at a time from the library's default (chunk 128, blocks of 64 frames, 1 stage)
    {},
    {"chunk_size": 64},
    {"chunk_size": 256},
    {"num_warps_intra": 2},
    {"num_warps_intra": 8},
    {"num_stages_intra": 2},
    {"num_stages_intra": 3},
    {"num_stages_inter": 2},
    {"chunk_size_intra": 128, "chunk_size_inter": 128, "siz_b_L_parallel": 64, "siz_b_L_loop": 32},
    {"chunk_size_intra": 128, "chunk_size_inter": 128, "siz_b_L_parallel": 32, "siz_b_L_loop": 32},
    {"chunk_size_intra": 128, "chunk_size_inter": 128, "siz_b_L_parallel": 128, "siz_b_L_loop": 64},
    {"chunk_size_intra": 256, "chunk_size_inter": 128, "siz_b_L_parallel": 64, "siz_b_L_loop": 64},
    {"siz_b_DH_parallel": 32},
    {"num_stages_intra": 2, "num_warps_intra": 8},
]


def level_shapes(cfg, level, batch):
    "B (batch x directions), NH, T, DH of the cell at one U-Net level."
    T, D = cfg.model.unet.levels(cfg.data.sample_len // 4)[level], cfg.model.unet.widths()[level]
    layer = BidirectionalmLSTMLayer(D, cfg.model.unet)
    return batch * layer.num_directions, layer.num_heads, T, layer.inner // layer.num_heads


def inputs(B, NH, T, DH, seed=0):
    g = torch.Generator(device="cuda").manual_seed(seed)
    rnd = lambda *s: torch.randn(*s, device="cuda", generator=g)
    q, k, v = (rnd(B, NH, T, DH).bfloat16().requires_grad_() for _ in range(3))
    i = (0.5 * rnd(B, NH, T)).requires_grad_()  # gate pre-activations as the layer makes them, float32
    f = (3.0 + 3.0 * torch.rand(B, NH, T, device="cuda", generator=g)).requires_grad_()
    dh = rnd(B, NH, T, DH).bfloat16()
    return (q, k, v, i, f), dh


def median_ms(fn, n):
    ev = [torch.cuda.Event(enable_timing=True) for _ in range(2 * n)]
    for j in range(n):
        ev[2 * j].record(); fn(); ev[2 * j + 1].record()
    torch.cuda.synchronize()
    return sorted(ev[2 * j].elapsed_time(ev[2 * j + 1]) for j in range(n))[n // 2]


def rel(a, b):
    return ((a.float() - b.float()).norm() / b.float().norm().clamp_min(1e-30)).item()


TFLA = "chunkwise--triton_xl_chunk"


def kernel_name(config):
    "The kernel a setting runs: TFLA, or the chunkwise kernel of `mlstm_kernels` its \"kernel\" key names."
    return config.get("kernel", TFLA)


def kernel_settings(config):
    "A setting's keywords on top of those `mlstm_chunkwise` passes (12_xlstm_unet): chunk 128, chunk states kept."
    settings = {key: value for key, value in config.items() if key != "kernel"}
    if kernel_name(config) != TFLA: return settings  # another kernel: its own defaults and the setting's keywords
    return {"chunk_size": 128, "recompute_states_in_bw": False, **settings}


def run(kernel, args_, dh, config, n):
    "Forward ms, forward + backward ms, output and gradients of one setting."
    q, k, v, i, f = args_
    call = lambda: kernel(q=q, k=k, v=v, i=i, f=f, return_last_states=False, autocast_kernel_dtype=torch.bfloat16,
                          **kernel_settings(config))
    def fwbw():
        for t in args_: t.grad = None
        call().backward(dh)
    for _ in range(3): fwbw()  # compiles the kernels
    with torch.no_grad():
        fw = median_ms(call, n)
    both = median_ms(fwbw, n)
    with torch.no_grad():
        h = call()
    fwbw()
    return fw, both, h, [t.grad.clone() for t in args_]


def normed(kernel, args_, dh, **settings):
    "Output and input gradients after the per-head norm, the way the layer uses the cell (12_xlstm_unet, `head_norm`)."
    x = [t.detach().requires_grad_() for t in args_]
    h = kernel(q=x[0], k=x[1], v=x[2], i=x[3], f=x[4], return_last_states=False, **settings)
    y = F.layer_norm(h.float(), (h.shape[-1],), eps=1e-5)
    return [y.detach(), *torch.autograd.grad((y * dh.float()).sum(), x)]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, required=True, help="JSON lines, appended")
    p.add_argument("--levels", nargs="*", type=int, default=[0])
    p.add_argument("--batch", type=int, default=64, help="samples; both directions make twice as many sequences")
    p.add_argument("--configs", type=json.loads, default=CONFIGS, help="JSON list of kernel keyword settings")
    p.add_argument("--n", type=int, default=20, help="timed calls per setting")
    p.add_argument("--config", default="configs/xlstm_unet_seisbench.yaml")
    p.add_argument("--against-float64", action="store_true",
                   help="also compare each setting, after the per-head norm, with the exact cell in float64")
    args = p.parse_args()
    cfg = load_config(args.config)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a") as out:
        for level in args.levels:
            shape = level_shapes(cfg, level, args.batch)
            x, dh = inputs(*shape)
            ref = None
            if args.against_float64:  # the exact cell: the native chunkwise form with autograd, in float64
                exact = normed(get_mlstm_kernel("chunkwise--native_autograd"), [t.double() for t in x], dh.double(),
                               chunk_size=128)
            for config in args.configs:
                row = dict(level=level, shape=shape, config=config,
                           DISABLE_LLVM_OPT=os.environ.get("DISABLE_LLVM_OPT"))
                t0 = time.perf_counter()
                try:
                    kernel = get_mlstm_kernel(kernel_name(config))
                    fw, both, h, grads = run(kernel, x, dh, config, args.n)
                    row.update(fw_ms=round(fw, 4), fwbw_ms=round(both, 4), bw_ms=round(both - fw, 4))
                    if ref is None: ref = (h, grads)  # the first setting, the library's default, is the reference
                    row.update(h_rel=rel(h, ref[0]), grad_rel=[rel(a, b) for a, b in zip(grads, ref[1])])
                    if args.against_float64:
                        got = normed(kernel, x, dh, autocast_kernel_dtype=torch.bfloat16, **kernel_settings(config))
                        row["normed_vs_float64"] = [rel(a, b) for a, b in zip(got, exact)]  # y, then q, k, v, i, f
                except Exception as e:  # a setting the kernel rejects or the GPU cannot hold: record and go on
                    row.update(error=f"{type(e).__name__}: {str(e)[:300]}")
                row["build_s"] = round(time.perf_counter() - t0, 1)
                print(json.dumps(row), flush=True)
                out.write(json.dumps(row) + "\n"); out.flush()


if __name__ == "__main__":
    main()

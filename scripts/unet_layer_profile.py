#!/usr/bin/env python3
"""Where a U-Net block's time goes on a GPU, level by level, at the experiment's sizes (batch 64, bf16 autocast):
forward+backward of one bidirectional mLSTM block, of its mLSTM layer, of the layer with the cell replaced by a
no-op (everything but the kernel), of the TFLA kernel alone at several chunk and block sizes, and the host time to
launch one block (no sync). Prints one JSON line per measurement and writes them to --out.

    python3 scripts/unet_layer_profile.py --out $OUT/unet_layers.jsonl
"""
import argparse
import copy
import json
import time

import torch
from mlstm_kernels.torch import get_mlstm_kernel

from seis_wav2vec import unet
from seis_wav2vec.unet import BidirectionalmLSTMBlock, UNetConfig, compile_blocks


def device_ms(fn, warmup=3, n=10):
    for _ in range(warmup): fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(n): fn()
    end.record()
    end.synchronize()
    return start.elapsed_time(end) / n


def host_ms(fn, n=5):
    "Time to issue fn() with the GPU idle at the start (what the Python side costs per call)."
    fn(); torch.cuda.synchronize()
    times = []
    for _ in range(n):
        torch.cuda.synchronize()
        t0 = time.perf_counter(); fn(); times.append(1e3 * (time.perf_counter() - t0))
    torch.cuda.synchronize()
    return sorted(times)[len(times) // 2]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--batch", type=int, default=64)
    args = p.parse_args()
    dev, B, rows = "cuda", args.batch, []

    def record(**row):
        rows.append(row)
        print(json.dumps(row), flush=True)

    cfg = UNetConfig()
    kernel = get_mlstm_kernel(cfg.chunkwise_kernel)
    for level, (T, D) in enumerate([(1024, 128), (256, 256), (64, 512)]):
        block = BidirectionalmLSTMBlock(D, cfg).to(dev)
        x = torch.randn(B, T, D, device=dev, requires_grad=True)

        def fwd_bwd(module):
            def fn():
                with torch.autocast("cuda", dtype=torch.bfloat16):
                    y = module(x)
                y.float().sum().backward()
            return fn
        record(level=level, T=T, D=D, what="block fwd+bwd", ms=device_ms(fwd_bwd(block)), host_ms=host_ms(fwd_bwd(block)))
        record(level=level, T=T, D=D, what="mLSTM layer fwd+bwd", ms=device_ms(fwd_bwd(block.mlstm)))
        compiled = copy.deepcopy(block)
        t0 = time.perf_counter()
        compile_blocks(torch.nn.Sequential(compiled))
        fwd_bwd(compiled)(); torch.cuda.synchronize()
        record(level=level, T=T, D=D, what="compiled block fwd+bwd", ms=device_ms(fwd_bwd(compiled)),
               host_ms=host_ms(fwd_bwd(compiled)), compile_s=time.perf_counter() - t0)
        real = unet.mlstm_chunkwise
        unet.mlstm_chunkwise = lambda q, k, v, i, f, **kw: v * torch.sigmoid(f)[..., None] + q * k  # no cell
        record(level=level, T=T, D=D, what="mLSTM layer without the cell", ms=device_ms(fwd_bwd(block.mlstm)))
        unet.mlstm_chunkwise = real
        record(level=level, T=T, D=D, what="feed-forward fwd+bwd", ms=device_ms(fwd_bwd(torch.nn.Sequential(block.ff_norm, block.ff))))
        NH = cfg.mlstm_num_heads
        DH = block.mlstm.inner // NH
        q, k, v = (torch.randn(2 * B, NH, T, DH, device=dev, dtype=torch.bfloat16, requires_grad=True) for _ in range(3))
        i, f = (torch.randn(2 * B, NH, T, device=dev, requires_grad=True) for _ in range(2))
        variants = [dict(chunk_size=min(cfg.chunk_size, T))]
        variants += [dict(chunk_size=c) for c in (64, 256) if c <= T and c != min(cfg.chunk_size, T)]
        if DH >= 128:
            variants += [dict(chunk_size=min(cfg.chunk_size, T), siz_b_DH_parallel=b, siz_b_DH_loop=b) for b in (128, DH) if b <= DH]
        for opts in variants:
            def fn():
                h = kernel(q=q, k=k, v=v, i=i, f=f, return_last_states=False, autocast_kernel_dtype=torch.bfloat16, **opts)
                h.float().sum().backward()
            try:
                record(level=level, T=T, D=D, DH=DH, what="TFLA kernel fwd+bwd", opts=opts, ms=device_ms(fn))
            except Exception as e:
                record(level=level, T=T, D=D, DH=DH, what="TFLA kernel fwd+bwd", opts=opts, error=f"{type(e).__name__}: {e}"[:300])
        del block, x, q, k, v, i, f
        torch.cuda.empty_cache()
    with open(args.out, "w") as fh:
        for r in rows: fh.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()

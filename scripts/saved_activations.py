#!/usr/bin/env python3
"""What one compiled U-Net block keeps from its forward for its backward, level by level: the tensors that AOT
autograd's min-cut partitioner saves (name, shape, dtype, MiB), the same partitioner `torch.compile` uses on a GPU.
Runs on the CPU with the GPU's forms of the layer (folded gate products; the parallel cell on levels of at most
`parallel_max_frames` frames; on longer levels the chunkwise cell, a graph break as with TFLA, run natively here) under
bf16 autocast, at the experiment's sizes. Every saved tensor is written once in the forward and read in the backward,
so this is the block's activation traffic between the two passes. One JSON line per level:

    python3 scripts/saved_activations.py --out saved.jsonl [--batch 64] [--levels 0 1 2]
"""
import argparse, json

import torch
from torch._functorch.aot_autograd import aot_module_simplified
from torch._functorch.partitioners import min_cut_rematerialization_partition

from seis_wav2vec import unet
from seis_wav2vec.config import load_config
from seis_wav2vec.unet import NATIVE_CHUNKWISE_KERNEL, BidirectionalmLSTMBlock, BidirectionalmLSTMLayer


def gpu_forms():
    "The layer's GPU code paths on the CPU: folded products, the parallel cell, the chunkwise cell as a graph break."
    BidirectionalmLSTMLayer.projections = lambda self, xc, xs: self.folded_projections(xc, xs)
    unet.select_kernel = lambda cfg, device: unet.TFLA_KERNEL
    chunkwise = getattr(unet.mlstm_chunkwise, "__wrapped__", unet.mlstm_chunkwise)
    def native(q, k, v, i, f, kernel, chunk_size, **kw):  # the same call, with the CPU's kernel
        return chunkwise(q, k, v, i, f, NATIVE_CHUNKWISE_KERNEL, chunk_size, **kw)
    unet.mlstm_chunkwise = torch.compiler.disable(native)


def saved_by_partition(saved: list):
    "An AOT partition function that records the forward graph's saved tensors in `saved`."
    def partition(joint, inputs, **kw):
        fw, bw = min_cut_rematerialization_partition(joint, inputs, **kw)
        outputs = next(n for n in fw.graph.nodes if n.op == "output").args[0]
        for n in outputs[kw.get("num_fwd_outputs", 1):]:  # the forward's own outputs come first
            t = n.meta.get("val") if hasattr(n, "meta") else None
            if isinstance(t, torch.Tensor):
                saved.append(dict(name=str(n), shape=list(t.shape), dtype=str(t.dtype).removeprefix("torch."),
                                  MiB=round(t.numel() * t.element_size() / 2**20, 2)))
        return fw, bw
    return partition


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--levels", nargs="*", type=int, default=[0, 1, 2])
    args = p.parse_args()
    cfg = load_config("configs/xlstm_unet_seisbench.yaml")
    gpu_forms()
    frames, widths = cfg.model.unet.levels(cfg.data.sample_len // 4), cfg.model.unet.widths()
    with open(args.out, "a") as out:
        for level in args.levels:
            T, D = frames[level], widths[level]
            torch.manual_seed(0)
            torch._dynamo.reset()
            saved = []
            keep = lambda g, _: g  # the graphs as traced: only the partition matters here
            backend = lambda gm, ex: aot_module_simplified(gm, ex, fw_compiler=keep, bw_compiler=keep,
                                                           partition_fn=saved_by_partition(saved))
            block = torch.compile(BidirectionalmLSTMBlock(D, cfg.model.unet, num_blocks=cfg.model.unet.n_layers),
                                  backend=backend, dynamic=False)
            x = torch.randn(args.batch, T, D, requires_grad=True)
            with torch.autocast("cpu", torch.bfloat16):
                y = block(x)
            y.float().square().mean().backward()
            by_dtype = {}
            for s in saved: by_dtype[s["dtype"]] = round(by_dtype.get(s["dtype"], 0) + s["MiB"], 1)
            row = dict(level=level, T=T, D=D, batch=args.batch, tensors=len(saved),
                       MiB=round(sum(s["MiB"] for s in saved), 1), MiB_by_dtype=by_dtype,
                       saved=sorted(saved, key=lambda s: -s["MiB"]))
            print(json.dumps({k: v for k, v in row.items() if k != "saved"}), flush=True)
            for s in row["saved"][:12]: print("   ", s, flush=True)
            out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""One U-Net stage (3 bidirectional mLSTM blocks) per level at the experiment's sizes, forward and backward captured as
one CUDA graph: median ms per replay, kernels per replay and the top kernels, for each way of compiling it (blocks: as
the trainer; stage: the stage as one compiled module) and batch size. One JSON line per measurement, on a GPU:

    python3 scripts/stage_anatomy.py --out $OUT/stages.jsonl [--variants blocks stage] [--batches 64 128] \
        [--top 40] [--dtype bfloat16] [--inductor aggressive_fusion=True] \
        [--parallel-kernel parallel--triton_limit_headdim] [--set TFLA_LAUNCH.num_stages_intra=2] \
        [model.unet.chunk_size=64 ...]

`--inductor key=value` sets a `torch._inductor.config` attribute for the run; `--set NAME=value` a setting of
`seis_wav2vec.unet`, `.fused_input` or `.fused_output` (`NAME.key=value`: an item of a dict such as TFLA_LAUNCH);
trailing `key.sub=value` override the experiment config (configs/xlstm_unet_seisbench.yaml). Each row names them.
"""
import argparse, ast, json, os, time
from pathlib import Path

import torch
import torch._inductor.config
from torch.profiler import ProfilerActivity, profile

from seis_wav2vec.config import load_config
from seis_wav2vec import fused_input, fused_output, unet
from seis_wav2vec.unet import compile_blocks, mlstm_stage


def graphed(fn, warmup=3):
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(warmup): fn()
    torch.cuda.current_stream().wait_stream(side)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g): fn()
    return g


def time_graph(g, n=30):
    for _ in range(3): g.replay()
    ev = [torch.cuda.Event(enable_timing=True) for _ in range(n + 1)]
    torch.cuda.synchronize()
    ev[0].record()
    for j in range(n):
        g.replay(); ev[j + 1].record()
    torch.cuda.synchronize()
    ms = sorted(ev[j].elapsed_time(ev[j + 1]) for j in range(n))
    return ms[n // 2]


def kernels(g, n=3, top=10):
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(n): g.replay()
        torch.cuda.synchronize()
    rows = [(e.key, e.count / n, e.device_time_total / n / 1e3) for e in prof.key_averages() if e.device_time_total > 0]
    rows.sort(key=lambda r: -r[2])
    return sum(r[1] for r in rows), sum(r[2] for r in rows), [(k[:90], c, round(ms, 3)) for k, c, ms in rows[:top]]


def literal(value):
    "A Python literal, or the text itself."
    try: return ast.literal_eval(value)
    except (ValueError, SyntaxError): return value


def apply_settings(specs):
    "Set settings of `seis_wav2vec.unet`, `.fused_input` or `.fused_output` from `NAME=value` or `NAME.key=value`."
    for spec in specs:
        name, value = spec.split("=", 1)
        name, _, key = name.partition(".")
        module = next((m for m in (unet, fused_input, fused_output) if hasattr(m, name)), None)
        if module is None:
            raise SystemExit(f"--set {spec}: none of seis_wav2vec.unet, .fused_input, .fused_output has {name}")
        if key: getattr(module, name)[key] = literal(value)
        else: setattr(module, name, literal(value))


def build(cfg, level, variant):
    T, D = cfg.model.unet.levels(cfg.data.sample_len // 4)[level], cfg.model.unet.widths()[level]
    stage = mlstm_stage(D, cfg.model.unet).cuda().train()
    if variant == "blocks": compile_blocks(stage)  # as the trainer does
    else:  # the whole stage as one compiled module (a graph break at each TFLA call of the 1,024-frame level)
        mode = "max-autotune-no-cudagraphs" if variant == "stage_autotune" else None
        stage = torch.compile(stage, dynamic=False, mode=mode)
    return stage, T, D


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--variants", nargs="*", default=["blocks", "stage"], choices=["blocks", "stage", "stage_autotune"])
    p.add_argument("--batches", nargs="*", type=int, default=[64])
    p.add_argument("--levels", nargs="*", type=int, default=[0, 1, 2])
    p.add_argument("--parallel-kernel", help="unet.PARALLEL_KERNEL: a parallel kernel of mlstm_kernels, short levels")
    p.add_argument("--dtype", choices=["autocast", "bfloat16"], default="autocast",
                   help="autocast: float32 weights under bf16 autocast, as the trainer; bfloat16: weights and "
                        "activations in bf16 without autocast (the float32 norms and residual stream in bf16)")
    p.add_argument("--set", nargs="*", default=[], metavar="NAME=value", help="seis_wav2vec.unet settings")
    p.add_argument("--top", type=int, default=10, help="kernels listed per row, largest first")
    p.add_argument("--inductor", nargs="*", default=[], metavar="key=value", help="torch._inductor.config settings")
    p.add_argument("overrides", nargs="*", metavar="key.sub=value", help="experiment config overrides")
    args = p.parse_args()
    cfg = load_config("configs/xlstm_unet_seisbench.yaml", args.overrides)
    unet.PARALLEL_KERNEL = args.parallel_kernel
    apply_settings(args.set)
    for kv in args.inductor:
        key, value = kv.split("=", 1)
        setattr(torch._inductor.config, key, ast.literal_eval(value))
    out = open(args.out, "a")
    torch._dynamo.config.cache_size_limit = 64
    for variant in args.variants:
        for level in args.levels:
            for batch in args.batches:
                t0 = time.perf_counter()
                torch.manual_seed(0)
                stage, T, D = build(cfg, level, variant)
                dtype = torch.bfloat16 if args.dtype == "bfloat16" else torch.float32
                x = torch.randn(batch, T, D, device="cuda", dtype=dtype, requires_grad=True)
                stage.to(dtype)
                def fn():
                    with torch.autocast("cuda", torch.bfloat16, cache_enabled=False, enabled=args.dtype == "autocast"):
                        y = stage(x)
                    y.float().square().mean().backward()
                try:
                    g = graphed(fn)
                    ms = time_graph(g)
                    count, dev_ms, top = kernels(g, top=args.top)
                    row = dict(variant=variant, parallel_kernel=args.parallel_kernel, set=args.set,
                               overrides=args.overrides,
                               inductor=args.inductor, dtype=args.dtype, level=level, T=T, D=D,
                               DISABLE_LLVM_OPT=os.environ.get("DISABLE_LLVM_OPT"),
                               batch=batch, ms=round(ms, 3),
                               samples_per_s=round(batch / ms * 1e3), kernels=count, device_ms=round(dev_ms, 3),
                               build_s=round(time.perf_counter() - t0, 1),
                               peak_GiB=round(torch.cuda.max_memory_allocated() / 2**30, 2),
                               top=top)
                except Exception as e:  # record and go on
                    row = dict(variant=variant, parallel_kernel=args.parallel_kernel, set=args.set,
                               overrides=args.overrides,
                               inductor=args.inductor, level=level, batch=batch,
                               error=f"{type(e).__name__}: {str(e)[:500]}")
                print(json.dumps({k: v for k, v in row.items() if k != "top"}), flush=True)
                out.write(json.dumps(row) + "\n"); out.flush()
                del stage, x
                torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats()


if __name__ == "__main__":
    main()

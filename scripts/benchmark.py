#!/usr/bin/env python3
"""GPU training benchmark: our full pretraining step against transformers' Wav2Vec2ForPreTraining, in one process.

Measures, in this order and in the same run: the card's bf16 matrix-product rate; our full training step at the
experiment config (configs/xlstm_unet_seisbench.yaml: batch 64, 4096-sample windows, bf16 autocast, TFLA kernels,
masking and negative sampling inside the step, clipping and the AdamW step included), with model FLOPs, MFU and a
per-component profile; the reference Wav2Vec2ForPreTraining at SeisLM-base size (batch 64) and SeisLM-large size
(batch 48); the DataLoader's windows/s from a SeisBench-format HDF5 built here; and the share of step time the GPU
waits for data in a real training loop. Every step time is the median over --steps steps after --warmup steps,
timed with CUDA events. Writes benchmark.json and benchmark.md under --out.

On the GPU machine, from the repository root with the wheels of shared/gpu/README.md in .whl (named in `carry`):

    python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site:$PWD SEISBENCH_CACHE_ROOT=/tmp/sb SEIS_WAV2VEC_DATA=/tmp/seis_data && python3 scripts/benchmark.py --out $OUT

A CPU dry run of every code path at tiny sizes (transformers importable, e.g. from PYTHONPATH):

    python scripts/benchmark.py --quick --out /tmp/bench
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import statistics
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import torch
from torch import nn

from seis_wav2vec import contrastive, encoder
from seis_wav2vec.benchmark import mfu, model_flops
from seis_wav2vec.config import load_config
from seis_wav2vec.contrastive import ContrastiveModel
from seis_wav2vec.data import build_offline_dataset, make_dataloader, windows_per_second
from seis_wav2vec.step import CapturedStep, clip_flat_, forward_backward
from seis_wav2vec.train import derive_seed, param_groups
from seis_wav2vec.unet import compile_blocks

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "xlstm_unet_seisbench.yaml"
GiB = 2**30


def log(*args):
    print(*args, flush=True)


def synchronize(device: torch.device):
    if device.type == "cuda": torch.cuda.synchronize(device)


def median_step_ms(step, device: torch.device, warmup: int, steps: int) -> tuple[float, list[float]]:
    "Median wall time of `step()` in ms after `warmup` calls: CUDA events on a GPU, perf_counter after a sync on a CPU."
    for _ in range(warmup): step()
    synchronize(device)
    times = []
    for _ in range(steps):
        if device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            step()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end))
        else:
            t0 = time.perf_counter()
            step()
            times.append(1e3 * (time.perf_counter() - t0))
    return statistics.median(times), times


def matmul_rate(device: torch.device, n: int, repeats: int = 20) -> float:
    "bf16 [n, n] x [n, n] products per second in FLOP/s (median), over rotating random inputs, not zeros."
    pairs = [(torch.randn(n, n, device=device, dtype=torch.bfloat16), torch.randn(n, n, device=device, dtype=torch.bfloat16))
             for _ in range(3)]
    it = iter(range(10**9))
    step = lambda: torch.mm(*pairs[next(it) % len(pairs)])
    ms, _ = median_step_ms(step, device, warmup=3, steps=repeats)
    return 2 * n**3 / (ms / 1e3)


def waveform_batches(n: int, batch: int, channels: int, samples: int, device: torch.device,
                     seed: int | None = None) -> list[torch.Tensor]:
    "A few random, per-channel standardised batches to rotate through (real data's scale, never zeros)."
    out, g = [], None if seed is None else torch.Generator(device).manual_seed(seed)
    for _ in range(n):
        x = torch.randn(batch, channels, samples, device=device, generator=g).cumsum(-1)  # red noise, not white
        out.append((x - x.mean(-1, keepdim=True)) / x.std(-1, keepdim=True))
    return out


def peak_memory_gib(device: torch.device) -> float | None:
    return torch.cuda.max_memory_allocated(device) / GiB if device.type == "cuda" else None


def reset_peak(device: torch.device):
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


# ---------------------------------------------------------------------------------------------------------- ours
def our_config(args):
    "The experiment config, at tiny sizes under --quick."
    overrides = [] if not args.quick else [
        "model.d_model=16", "model.n_layers=1", "model.mlstm_num_heads=2", "encoder.dim=32",
        "model.quantizer_args.conv_dim=[32]", "model.quantizer_args.num_codevectors_per_group=8",
        "model.quantizer_args.codevector_dim=16", "model.final_projection_dim=16", "model.num_negatives=5",
        "model.chunk_size=16", "dataset.sample_len=512", "loader.batch_size=2"]
    return load_config(CONFIG, overrides)


def our_setup(args, device: torch.device, fused: bool = False, seed: int = 0):
    "The experiment config, its model on `device` (initialised from `seed`) and an AdamW as the trainer builds it."
    cfg = our_config(args)
    torch.manual_seed(seed)
    model = ContrastiveModel(cfg.model, cfg.encoder, diversity_lambda=cfg.train.diversity_lambda).to(device)
    optimizer = torch.optim.AdamW(param_groups(model, cfg.optimizer.weight_decay), lr=cfg.optimizer.lr,
                                  betas=tuple(cfg.optimizer.betas), eps=cfg.optimizer.eps, fused=fused or None)
    model.set_gumbel_temperature(2.0)
    return cfg, model, optimizer


def autocast(device: torch.device, cache_enabled: bool = True):
    return torch.autocast("cuda", dtype=torch.bfloat16, cache_enabled=cache_enabled) if device.type == "cuda" \
        else nullcontext()


def our_step_fn(cfg, model, optimizer, batches, device: torch.device, graphed: bool):
    """One full training step per call, as the trainer runs it: forward (masking, quantizer, negatives, loss) and
    backward through `forward_backward` (eager; `graphed=False`, the step as it was before CUDA graphs) or replayed
    as one CUDA graph (`CapturedStep`, the trainer's default on a GPU), then clipping and the AdamW step."""
    it = iter(range(10**9))
    clip = cfg.train.clip_grad_norm or float("inf")
    captured = None

    def step(waveforms=None):
        nonlocal captured
        k = next(it)
        x = batches[k % len(batches)] if waveforms is None else waveforms
        if graphed:
            if captured is None: captured = CapturedStep(model, x, lambda: autocast(device, cache_enabled=False))
            captured.flat_grad.zero_()
            out = captured(x, seed=derive_seed(0, k), generator_seed=derive_seed(1, k))
            with torch.profiler.record_function("optimizer"):
                clip_flat_(captured.flat_grad, clip)
                optimizer.step()
            return out.metrics[0]
        torch.manual_seed(derive_seed(0, k))
        generator = torch.Generator(device).manual_seed(derive_seed(1, k))
        out = forward_backward(model, x, generator, 1.0, lambda: autocast(device))
        with torch.profiler.record_function("optimizer"):
            nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        return out.metrics[0]
    return step


def loss_curves(args, device: torch.device, steps: int) -> dict:
    """The same run twice from the same initial weights, batches and seeds: eager with for-each AdamW (the step as it
    was) and the trainer's default GPU step (compiled blocks, CUDA graph, fused AdamW). Returns both loss curves and their largest difference."""
    curves = {}
    for graphed in (False, True):
        cfg, model, optimizer = our_setup(args, device, fused=graphed and device.type == "cuda", seed=0)
        if graphed and device.type == "cuda": compile_blocks(model)  # the trainer's default step on a GPU
        batches = waveform_batches(4, cfg.loader.batch_size, cfg.encoder.d_data, cfg.dataset.sample_len, device, seed=1)
        step = our_step_fn(cfg, model, optimizer, batches, device, graphed and device.type == "cuda")
        curves["graphed" if graphed else "eager"] = [float(step()) for _ in range(steps)]
        del model, optimizer, batches, step
        reset_peak(device)
    diff = [abs(a - b) for a, b in zip(curves["eager"], curves["graphed"])]
    log(f"loss curves over {steps} steps: largest |eager - graphed| {max(diff):.4f}, final {curves['eager'][-1]:.4f} "
        f"vs {curves['graphed'][-1]:.4f}")
    return {"steps": steps, **curves, "max_abs_diff": max(diff), "mean_abs_diff_last10": statistics.mean(diff[-10:])}


def component_modules(model: ContrastiveModel) -> dict[str, nn.Module]:
    "The components the profile reports, named by what they are."
    unet, out = model.backbone, {"encoder": model.encoder, "unet input projection": model.backbone.input_proj}
    for level, stage in enumerate(unet.encoder_stages): out[f"unet level {level} down stage"] = stage
    for level, pool in enumerate(unet.down_pools): out[f"unet level {level} down-pool"] = pool
    out[f"unet level {len(unet.encoder_stages)} center"] = unet.center
    levels = len(unet.decoder_stages)
    for k, (pool, stage) in enumerate(zip(unet.up_pools, unet.decoder_stages)):
        out[f"unet level {levels - 1 - k} up-pool"] = pool
        out[f"unet level {levels - 1 - k} up stage"] = stage
    out["context projection"] = model.project_context
    if model.quantizer is not None: out["quantizer"] = model.quantizer
    out["target projection"] = model.project_targets
    return out


def install_ranges(model: ContrastiveModel) -> list:
    """Profiler ranges around each component, without touching the model's code: forward hooks open and close a
    record_function range; backward hooks do the same in the backward pass for modules whose output is a tensor;
    the loss and sampling functions the model calls by name are wrapped in their modules' namespaces."""
    handles, open_ranges = [], {}

    def enter(key, name):
        r = torch.profiler.record_function(name)
        r.__enter__()
        open_ranges.setdefault(key, []).append(r)

    def leave(key):
        stack = open_ranges.get(key)
        if stack: stack.pop().__exit__(None, None, None)

    for name, module in component_modules(model).items():
        handles.append(module.register_forward_pre_hook(lambda m, a, n=name: enter(("f", n), n)))
        handles.append(module.register_forward_hook(lambda m, a, o, n=name: leave(("f", n))))
        if name not in ("encoder", "quantizer"):  # these return named tuples; their backward counts as 'backward, rest'
            handles.append(module.register_full_backward_pre_hook(lambda m, g, n=name: enter(("b", n), f"{n} (backward)")))
            handles.append(module.register_full_backward_hook(lambda m, gi, go, n=name: leave(("b", n))))
    wrapped = []
    for owner, fn_name, label in ((contrastive, "infonce_logits", "loss: InfoNCE logits"),
                                  (contrastive, "infonce_loss", "loss: cross-entropy"),
                                  (contrastive, "sample_negatives", "negative sampling"),
                                  (encoder, "span_mask", "span masking")):
        original = getattr(owner, fn_name)

        def ranged(*a, _f=original, _label=label, **k):
            with torch.profiler.record_function(_label):
                return _f(*a, **k)
        setattr(owner, fn_name, ranged)
        wrapped.append((owner, fn_name, original))
    return handles, wrapped


def remove_ranges(handles, wrapped):
    for h in handles: h.remove()
    for owner, fn_name, original in wrapped: setattr(owner, fn_name, original)


RANGE_PREFIXES = ("forward", "backward", "optimizer", "encoder", "unet", "context", "target", "quantizer", "loss",
                  "negative", "span")


def profile_components(step, model, device: torch.device, steps: int, ranges: bool = True) -> dict[str, dict]:
    "Per-range CPU and device time per step (ms) from torch.profiler over `steps` steps, with ranges installed."
    handles, wrapped = install_ranges(model) if ranges else ([], [])
    try:
        step(); synchronize(device)  # hooks in place before the profiled steps
        activities = [torch.profiler.ProfilerActivity.CPU]
        if device.type == "cuda": activities.append(torch.profiler.ProfilerActivity.CUDA)
        with torch.profiler.profile(activities=activities) as prof:
            for _ in range(steps): step()
            synchronize(device)
    finally:
        remove_ranges(handles, wrapped)
    rows = {}
    for e in prof.key_averages():
        if not e.key.startswith(RANGE_PREFIXES) or e.key.startswith(("forward_", "backward_")): continue
        device_us = getattr(e, "device_time_total", None) or getattr(e, "cuda_time_total", 0)
        rows[e.key] = {"calls_per_step": e.count / steps, "cpu_ms_per_step": e.cpu_time_total / 1e3 / steps,
                       "device_ms_per_step": device_us / 1e3 / steps}
    kernels = [e for e in prof.key_averages() if getattr(e, "device_type", None) == torch.autograd.DeviceType.CUDA]
    rows["all device kernels"] = {"calls_per_step": sum(e.count for e in kernels) / steps, "cpu_ms_per_step": 0.0,
                                  "device_ms_per_step": sum(e.self_device_time_total for e in kernels) / 1e3 / steps
                                  if kernels else 0.0}
    top = sorted(kernels, key=lambda e: -e.self_device_time_total)[:25]
    rows["top kernels"] = [{"kernel": e.key[:120], "calls_per_step": e.count / steps,
                            "device_ms_per_step": e.self_device_time_total / 1e3 / steps} for e in top]
    return rows


def bench_ours(args, device: torch.device, rate: float, graphed: bool, compiled: bool = False) -> dict:
    "Our full training step, eager (the step before CUDA graphs) or graphed (the trainer's default on a GPU)."
    graphed = graphed and device.type == "cuda"
    cfg, model, optimizer = our_setup(args, device, fused=graphed)
    if compiled: compile_blocks(model)
    B, S = cfg.loader.batch_size, cfg.dataset.sample_len
    batches = waveform_batches(3, B, cfg.encoder.d_data, S, device)
    step = our_step_fn(cfg, model, optimizer, batches, device, graphed)
    reset_peak(device)
    t0 = time.perf_counter()
    step(); synchronize(device)
    first_s = time.perf_counter() - t0  # holds the Triton compilation (and the graph capture)
    ms, times = median_step_ms(step, device, args.warmup, args.steps)
    flops = model_flops(cfg.model, cfg.encoder, S)
    per_sample = float(flops.total.sum())
    sps = B * 1e3 / ms
    name = "ours (xLSTM U-Net), " + ("CUDA graph + fused AdamW" if graphed else "eager") + (" + compiled blocks" if compiled else "")
    out = {"name": name, "batch": B, "samples": S, "median_ms": ms, "min_ms": min(times),
           "max_ms": max(times), "samples_per_s": sps, "peak_memory_GiB": peak_memory_gib(device),
           "parameters": sum(p.numel() for p in model.parameters()), "first_step_s": first_s,
           "model_flops_per_sample": per_sample, "model_tflop_per_s": per_sample * sps / 1e12,
           "mfu": mfu(per_sample, sps, rate),
           "flops_by_component": flops.groupby("component", sort=False).total.sum().to_dict()}
    log(f"{name}: {ms:.1f} ms/step, {sps:.0f} samples/s, MFU {out['mfu']:.2%}, peak {out['peak_memory_GiB'] or 0:.1f} GiB")
    # eager: per-component ranges; graphed: the replay is one range, its kernels' total is the GPU's busy time
    out["profile"] = profile_components(step, model, device, args.profile_steps, ranges=not graphed)
    del model, optimizer, batches, step
    return out


# ----------------------------------------------------------------------------------------------------- reference
def reference_config(size: str, quick: bool):
    "transformers' Wav2Vec2Config at SeisLM-base or SeisLM-large size (tiny under --quick)."
    from transformers import Wav2Vec2Config
    common = dict(conv_dim=(256, 256), conv_kernel=(3, 3), conv_stride=(2, 2), feat_extract_norm="layer",
                  num_codevector_groups=2, num_codevectors_per_group=320, codevector_dim=256, proj_codevector_dim=256,
                  num_negatives=100, mask_time_prob=0.65, mask_time_length=10, mask_time_min_masks=2,
                  attn_implementation="sdpa")
    sizes = {"base": dict(hidden_size=240, num_hidden_layers=6, num_attention_heads=12, intermediate_size=960),
             "large": dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072)}
    kw = {**common, **sizes[size]}
    if quick:
        kw.update(conv_dim=(32, 32), hidden_size=24, num_hidden_layers=1, num_attention_heads=2, intermediate_size=48,
                  num_codevectors_per_group=8, codevector_dim=16, proj_codevector_dim=16, num_negatives=5,
                  num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2)
    return Wav2Vec2Config(**kw)


def bench_reference(args, device: torch.device, size: str, batch: int, samples: int) -> dict:
    """One Wav2Vec2ForPreTraining training step per call, as transformers' pretraining example does it: masks and
    negatives drawn with its own `_compute_mask_indices` and `_sample_negative_indices` inside the step."""
    from transformers import Wav2Vec2ForPreTraining
    from transformers.models.wav2vec2.modeling_wav2vec2 import _compute_mask_indices, _sample_negative_indices
    config = reference_config(size, args.quick)
    model = Wav2Vec2ForPreTraining(config).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.01)
    model.set_gumbel_temperature(2.0)
    frames = int(model._get_feat_extract_output_lengths(samples))
    inputs = [b[:, 0] for b in waveform_batches(3, batch, 1, samples, device)]  # [B, S], one channel
    it = iter(range(10**9))

    def step():
        x = inputs[next(it) % len(inputs)]
        mask = _compute_mask_indices((batch, frames), config.mask_time_prob, config.mask_time_length,
                                     min_masks=config.mask_time_min_masks)
        negatives = _sample_negative_indices((batch, frames), config.num_negatives, mask_time_indices=mask)
        mask = torch.tensor(mask, device=device, dtype=torch.long)
        negatives = torch.tensor(negatives, device=device, dtype=torch.long)
        with autocast(device):
            loss = model(x, mask_time_indices=mask, sampled_negative_indices=negatives).loss
        (loss / mask.sum()).backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    reset_peak(device)
    ms, times = median_step_ms(step, device, args.warmup, args.steps)
    out = {"name": f"Wav2Vec2ForPreTraining, SeisLM-{size} size", "batch": batch, "samples": samples, "median_ms": ms,
           "min_ms": min(times), "max_ms": max(times), "samples_per_s": batch * 1e3 / ms,
           "peak_memory_GiB": peak_memory_gib(device), "parameters": sum(p.numel() for p in model.parameters()),
           "config": {k: getattr(config, k) for k in ("hidden_size", "num_hidden_layers", "num_attention_heads",
                                                     "intermediate_size", "conv_dim", "num_negatives")}}
    log(f"reference {size}: {ms:.1f} ms/step, {out['samples_per_s']:.0f} samples/s")
    del model, optimizer, inputs
    return out


# ---------------------------------------------------------------------------------------------------------- data
def bench_data(args, cfg, device: torch.device) -> dict:
    """Windows/s the DataLoader delivers from a SeisBench-format HDF5 of --traces traces built here, with this
    machine's cores; then the share of step time spent in `next(loader)` in a training loop at full speed."""
    path = Path(args.data_dir) / f"bench_{args.traces}"
    S = cfg.dataset.sample_len
    t0 = time.perf_counter()
    if not ((path / "metadata.csv").exists() or (path / "chunks").exists()):
        cores = os.cpu_count() or 1  # one chunk per core, written side by side
        build_offline_dataset(path, n_traces=args.traces, trace_seconds=S / cfg.dataset.sampling_rate + 1.0,
                              include_obspy=False, overwrite=path.exists(), chunks=min(cores, 32), workers=cores)
    build_s = time.perf_counter() - t0
    workers = args.workers if args.workers is not None else os.cpu_count()
    dcfg = dataclasses.replace(cfg.dataset, dataset_name=[str(path)])
    lcfg = dataclasses.replace(cfg.loader, num_workers=workers)
    loader = make_dataloader(dcfg, lcfg, "train")
    wps = windows_per_second(loader, n_batches=args.loader_batches)
    log(f"data: {wps:.0f} windows/s with {workers} workers")

    _, model, optimizer = our_setup(args, device, fused=device.type == "cuda")
    if device.type == "cuda": compile_blocks(model)  # the trainer's step at full speed
    step = our_step_fn(cfg, model, optimizer, [], device, graphed=device.type == "cuda")
    loader.sampler.set_epoch(1)
    batches = iter(loader)
    wait, total = [], []
    for k in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        x = next(batches)["waveforms"].to(device, non_blocking=True)
        t1 = time.perf_counter()
        step(x)
        synchronize(device)
        if k >= args.warmup:
            wait.append(t1 - t0)
            total.append(time.perf_counter() - t0)
    return {"traces": args.traces, "trace_samples": int(round((S / cfg.dataset.sampling_rate + 1.0) * cfg.dataset.sampling_rate)),
            "build_s": build_s, "workers": workers, "cpu_count": os.cpu_count(), "batch": lcfg.batch_size,
            "windows_per_s": wps, "train_loop_steps": len(total), "wait_fraction": sum(wait) / sum(total),
            "wait_ms_median": 1e3 * statistics.median(wait), "loop_step_ms_median": 1e3 * statistics.median(total)}


# ------------------------------------------------------------------------------------------------------ reporting
def versions() -> dict:
    out = {"python": platform.python_version(), "torch": torch.__version__}
    for name in ("triton", "xlstm", "mlstm_kernels", "transformers", "seisbench"):
        try: out[name] = getattr(__import__(name), "__version__", "?")
        except ImportError: out[name] = None
    return out


def markdown(report: dict) -> str:
    fmt = lambda v, f="{:.4g}": "" if v is None else f.format(v)
    lines = [f"Benchmark of {report['date']} on {report['device']} ({report['versions']['torch']}); command: "
             f"`{report['command']}`", "", f"bf16 matmul rate: {report['matmul_tflop_per_s']:.1f} TFLOP/s", "",
             "| step | batch | median ms | samples/s | peak GiB | params (M) | model TFLOP/s | MFU |", "|---|---|---|---|---|---|---|---|"]
    for s in report["steps"].values():
        lines.append(f"| {s['name']} | {s['batch']} | {s['median_ms']:.1f} | {s['samples_per_s']:.0f} | "
                     f"{fmt(s['peak_memory_GiB'], '{:.2f}')} | {s['parameters'] / 1e6:.2f} | "
                     f"{fmt(s.get('model_tflop_per_s'), '{:.1f}')} | {fmt(s.get('mfu'), '{:.2%}')} |")
    ours, base = report["steps"].get("ours"), report["steps"].get("reference_base")
    if ours and base:
        lines += ["", f"ours / SeisLM-base-sized reference: {ours['samples_per_s'] / base['samples_per_s']:.1f}x samples/s"]
    for key in ("ours_eager", "ours"):
        run = report["steps"].get(key)
        if not run: continue
        lines += ["", f"Profile of {run['name']}:", "", "| range (per step) | calls | CPU ms | device ms |", "|---|---|---|---|"]
        ranges = {k: r for k, r in run["profile"].items() if k != "top kernels"}
        lines += [f"| {k} | {r['calls_per_step']:.0f} | {r['cpu_ms_per_step']:.2f} | {r['device_ms_per_step']:.2f} |"
                  for k, r in sorted(ranges.items(), key=lambda kv: (-kv[1]["device_ms_per_step"], -kv[1]["cpu_ms_per_step"]))]
        lines += ["", "| kernel | calls per step | device ms per step |", "|---|---|---|"]
        lines += [f"| `{r['kernel']}` | {r['calls_per_step']:.0f} | {r['device_ms_per_step']:.2f} |"
                  for r in run["profile"].get("top kernels", [])]
    if report.get("loss_curves"):
        c = report["loss_curves"]
        lines += ["", f"Fixed-seed loss curves over {c['steps']} steps, eager vs graphed: largest difference "
                      f"{c['max_abs_diff']:.4f}, mean over the last 10 steps {c['mean_abs_diff_last10']:.4f}; final loss "
                      f"{c['eager'][-1]:.4f} vs {c['graphed'][-1]:.4f}."]
    if report.get("data"):
        d = report["data"]
        lines += ["", f"DataLoader: {d['windows_per_s']:.0f} windows/s with {d['workers']} workers from {d['traces']} "
                      f"traces; GPU waits for data {d['wait_fraction']:.2%} of step time in a training loop."]
    return "\n".join(lines) + "\n"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True, help="folder for benchmark.json and benchmark.md")
    p.add_argument("--quick", action="store_true", help="tiny sizes, few steps: a CPU dry run of every code path")
    p.add_argument("--steps", type=int, default=None, help="timed steps per measurement (default 30; quick 3)")
    p.add_argument("--warmup", type=int, default=None, help="untimed steps first (default 5; quick 1)")
    p.add_argument("--profile-steps", type=int, default=None, help="profiled steps (default 5; quick 1)")
    p.add_argument("--traces", type=int, default=None, help="traces of the HDF5 built for the data test (default 200000)")
    p.add_argument("--workers", type=int, default=None, help="DataLoader workers (default: all cores)")
    p.add_argument("--loader-batches", type=int, default=None, help="batches timed for windows/s (default 100)")
    p.add_argument("--data-dir", default="/tmp/seis_bench_data", help="where the benchmark HDF5 is built")
    p.add_argument("--matmul-n", type=int, default=None, help="size of the square bf16 products (default 8192)")
    p.add_argument("--curve-steps", type=int, default=None, help="steps of the eager-vs-graphed loss curves (default 60)")
    p.add_argument("--skip", nargs="*", default=[], choices=["ours", "compiled", "loss", "reference", "data"], help="parts to leave out")
    args = p.parse_args(argv)
    defaults = dict(steps=(3, 30), curve_steps=(3, 60), warmup=(1, 5), profile_steps=(1, 5), traces=(300, 200_000),
                    loader_batches=(3, 100), matmul_n=(256, 8192))
    for k, (quick, full) in defaults.items():
        if getattr(args, k) is None: setattr(args, k, quick if args.quick else full)
    if args.steps < (1 if args.quick else 20):
        p.error(f"--steps {args.steps}: the benchmark takes the median of at least 20 steps")
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type != "cuda" and not args.quick:
        sys.exit("no CUDA device: the full benchmark needs a GPU; --quick runs a CPU dry run")
    torch.manual_seed(0); np.random.seed(0)
    args.out.mkdir(parents=True, exist_ok=True)
    report = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "device": torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU ({os.cpu_count()} cores)",
              "versions": versions(), "command": " ".join([Path(sys.argv[0]).name] + (argv or sys.argv[1:])),
              "quick": args.quick, "steps": {}, "method": "median of --steps steps after --warmup, CUDA events; "
              "full step: forward with masking and negatives, backward, clip_grad_norm, AdamW step"}
    rate = matmul_rate(device, args.matmul_n)
    report["matmul_tflop_per_s"] = rate / 1e12
    log(f"bf16 matmul: {rate / 1e12:.1f} TFLOP/s")
    cfg = our_config(args)
    S = cfg.dataset.sample_len
    parts = [("ours", "ours", lambda: bench_ours(args, device, rate, graphed=True)),
             ("ours", "ours_eager", lambda: bench_ours(args, device, rate, graphed=False)),
             ("compiled", "ours_compiled", lambda: bench_ours(args, device, rate, graphed=True, compiled=True)),
             ("loss", "loss_curves", lambda: loss_curves(args, device, args.curve_steps)),
             ("reference", "reference_base", lambda: bench_reference(args, device, "base", 2 if args.quick else 64, S)),
             ("reference", "reference_large", lambda: bench_reference(args, device, "large", 2 if args.quick else 48, S)),
             ("data", "data", lambda: bench_data(args, cfg, device))]
    for kind, name, run in parts:  # GPU parts first; the report is rewritten after each, so a run cut short keeps its figures
        if kind in args.skip: continue
        t0 = time.perf_counter()
        try:
            result = run()
        except Exception as e:  # one part failing leaves the others' figures; the error goes into the report
            import traceback
            log(f"{name} failed:\n{traceback.format_exc()}")
            result = {"error": f"{type(e).__name__}: {e}"}
            reset_peak(device)
            if kind not in ("data", "loss"):
                report.setdefault("errors", {})[name] = result["error"]
                continue
        if kind in ("data", "loss"): report[name] = result
        else: report["steps"][name] = result
        report.setdefault("part_wall_s", {})[name] = time.perf_counter() - t0
        (args.out / "benchmark.json").write_text(json.dumps(report, indent=1, default=str))
        (args.out / "benchmark.md").write_text(markdown(report))
    log(markdown(report))
    return report


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Where the trainer's graphed step spends the wall time that is not kernels, on a GPU.

Builds the step as `seis_wav2vec.benchmark` does (experiment config, batch 64, compiled blocks, CUDA graph, fused
AdamW) and measures, each the mean of --steps calls timed with CUDA events around the whole loop:

- `step`: the trainer's step as the benchmark times it (`BenchmarkStep.cycling`: each step queued before the previous
  one is read, as the trainer runs its ordinary steps; before 2026-12-03 each step was read before the next);
- `queued`: the same work through `TrainingStep.launch` (replay, clipping, the update decided on the device, the
  schedule) with no wait for the step's flags, so that the host runs ahead and the GPU never waits for it: the most
  that reading the step's results later could gain;
- `replay`: the forward and backward graph alone, replayed back to back: its kernels and the gaps between them.

Then it profiles --profile-steps trainer steps and lays every device event (kernels, copies, memsets) on one
timeline: busy time, idle time, and the idle intervals longer than --gap-us with the events on either side.

    python3 scripts/step_gaps.py --out $OUT/gaps.json [--steps 30] [key.sub=value ...]
"""
import argparse, json
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

from seis_wav2vec.benchmark import STEP_FORMS, BenchmarkStep, benchmark_config, waveform_batches


def loop_ms(fn, n: int) -> float:
    "Mean ms of `fn()` over n calls queued back to back, timed by CUDA events around the loop."
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    torch.cuda.synchronize()
    start.record()
    for _ in range(n): fn()
    end.record()
    end.synchronize()
    return start.elapsed_time(end) / n


def queued_step(bench: BenchmarkStep, batches: list) -> callable:
    "The benchmark's step as `BenchmarkStep.launch` queues it, never waiting for its flags."
    return lambda: bench.launch(batches[bench.taken % len(batches)])


def timeline(prof, steps: int, gap_us: float) -> dict:
    "Busy and idle device time per step from the profile's device events, and the long idle intervals."
    ev = sorted(((e.time_range.start, e.time_range.end, e.name) for e in prof.events()
                 if e.device_type == torch.autograd.DeviceType.CUDA and not getattr(e, "is_user_annotation", False)),
                key=lambda r: r[0])
    busy = idle = 0.0
    gaps, small = [], []
    end, last = ev[0][1], ev[0][2]
    busy += ev[0][1] - ev[0][0]
    for s, e, name in ev[1:]:
        if s > end:
            (gaps if s - end > gap_us else small).append((s - end, last, name))
            idle += s - end
        busy += max(0.0, e - max(s, end))
        if e > end: end, last = e, name
    span = end - ev[0][0]
    return {"events_per_step": len(ev) / steps, "span_ms_per_step": span / 1e3 / steps,
            "busy_ms_per_step": busy / 1e3 / steps, "idle_ms_per_step": idle / 1e3 / steps,
            f"idle_ms_per_step_in_gaps_over_{gap_us:g}us": sum(g[0] for g in gaps) / 1e3 / steps,
            f"gaps_over_{gap_us:g}us_per_step": len(gaps) / steps,
            "small_gaps_per_step": len(small) / steps,
            "small_gap_mean_us": sum(g[0] for g in small) / max(1, len(small)),
            "largest_gaps": [{"us": round(g, 1), "after": a[:100], "before": b[:100]}
                             for g, a, b in sorted(gaps, reverse=True)[:12]]}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, required=True, help="JSON file of the figures")
    p.add_argument("--steps", type=int, default=30, help="calls per timed loop")
    p.add_argument("--profile-steps", type=int, default=3, help="trainer steps profiled for the timeline")
    p.add_argument("--gap-us", type=float, default=20.0, help="idle intervals longer than this are listed")
    p.add_argument("overrides", nargs="*", metavar="key.sub=value", help="experiment config overrides")
    args = p.parse_args()
    device = torch.device("cuda")
    cfg = benchmark_config(overrides=[*STEP_FORMS["ours_compiled"][1], *args.overrides])
    bench = BenchmarkStep(cfg, device)
    B, S = cfg.loader.batch_size, cfg.data.sample_len
    batches = waveform_batches(3, B, cfg.data.channels, S, device)
    step, queued = bench.cycling(batches), queued_step(bench, batches)
    for _ in range(8): step()
    for _ in range(3): queued()
    graph = bench.step_fn.captured.graph
    out = {"config": cfg.experiment_name, "batch": B, "overrides": args.overrides,
           "step_ms": loop_ms(step, args.steps), "queued_ms": loop_ms(queued, args.steps),
           "replay_ms": loop_ms(graph.replay, args.steps)}
    out["step_ms_again"] = loop_ms(step, args.steps)
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        for _ in range(args.profile_steps): step()
        torch.cuda.synchronize()
    out["trainer_step_timeline"] = timeline(prof, args.profile_steps, args.gap_us)
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        for _ in range(args.profile_steps): graph.replay()
        torch.cuda.synchronize()
    out["replay_timeline"] = timeline(prof, args.profile_steps, args.gap_us)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))
    for k in ("step_ms", "step_ms_again", "queued_ms", "replay_ms"):
        print(f"{k}: {out[k]:.2f} ms ({B * 1e3 / out[k]:,.0f} samples/s)")
    for k in ("trainer_step_timeline", "replay_timeline"):
        t = {a: b for a, b in out[k].items() if a != "largest_gaps"}
        print(k, json.dumps(t))
        for g in out[k]["largest_gaps"][:6]: print("   ", g)


if __name__ == "__main__":
    main()

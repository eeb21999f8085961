#!/usr/bin/env python3
"""How close each of inductor's kernels in the trainer's compiled step comes to the card's memory bandwidth: bytes
moved, time and GB/s of every fused kernel, one U-Net stage per level and the whole pretraining model, on a GPU.

    python3 scripts/kernel_bandwidth.py --out $OUT/bandwidth [--levels 0 1 2] [--no-model]

Inductor's own profiler (`TORCHINDUCTOR_PROFILE=1`, set here before torch loads) times each kernel on its first call
and counts the bytes it reads and writes; every kernel call of every compiled graph goes to `calls.json`. This
script sums them per part (`bandwidth.json`, `bandwidth.md`): the kernels' time, their bytes, and the time they would
take at the card's copy rate, measured here with a device-to-device copy. Each kernel is timed alone, from a cleared
cache and with a launch of its own, so the times are larger than in the graphed step (1.8 times, summed over the
model's inductor kernels, on an H200); the bytes are inductor's count of each buffer read or written once.
"""
import argparse, json, os, sys, time
from collections import defaultdict
from pathlib import Path

os.environ["TORCHINDUCTOR_PROFILE"] = "1"  # read when torch._inductor.config is first imported
os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", "/tmp/inductor_bandwidth_cache")  # compiled afresh, with the probes

import torch
from torch._inductor.runtime import triton_heuristics

sys.path.insert(0, str(Path(__file__).parent))
from stage_anatomy import build  # noqa: E402  one stage as the trainer compiles it

from seis_wav2vec.config import load_config  # noqa: E402
from seis_wav2vec.contrastive import ContrastiveModel  # noqa: E402

PART = ["none"]  # the part being run
CALLS = []  # (part, graph, kernel, ms, GB): each kernel of each compiled graph's call


def end_graph(output_file):
    "In place of inductor's: keep the kernels a compiled graph's call just timed (the generated code imports this)."
    graph = Path(sys._getframe(1).f_code.co_filename).stem[:6]  # kernel names repeat across graphs
    CALLS.extend((PART[0], graph, name, ms, gb) for ms, gb, _, name in triton_heuristics.collected_calls)


triton_heuristics.end_graph = end_graph


def copy_rate(n_bytes: int = 2**30) -> float:
    "GB/s of a device-to-device copy of n_bytes (read once, written once): the bandwidth a kernel can reach."
    a = torch.empty(n_bytes // 4, device="cuda")
    b = torch.empty_like(a)
    for _ in range(3): b.copy_(a)
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    torch.cuda.synchronize(); start.record()
    for _ in range(20): b.copy_(a)
    end.record(); torch.cuda.synchronize()
    return 2 * n_bytes * 20 / (start.elapsed_time(end) / 1e3) / 1e9


def run_stage(cfg, level: int, batch: int):
    torch.manual_seed(0)
    stage, T, D = build(cfg, level, "blocks")
    x = torch.randn(batch, T, D, device="cuda", requires_grad=True)
    for _ in range(2):  # the first call compiles and profiles; the second shows that nothing recompiles
        with torch.autocast("cuda", torch.bfloat16, cache_enabled=False):
            y = stage(x)
        y.float().square().mean().backward()
    torch.cuda.synchronize()
    return T, D


def run_model(cfg, batch: int):
    torch.manual_seed(0)
    model = ContrastiveModel.from_experiment(cfg).cuda().train()
    model.compile_blocks()
    x = torch.randn(batch, cfg.data.channels, cfg.data.sample_len, device="cuda")
    g = torch.Generator(device="cuda").manual_seed(0)
    for _ in range(2):
        with torch.autocast("cuda", torch.bfloat16, cache_enabled=False):
            loss, _ = model(x, generator=g, check_finite=False)
        loss.backward()
    torch.cuda.synchronize()


def by_part() -> dict:
    "Kernels per part: {part: {kernel (graph): [ms, GB, calls]}}."
    parts = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0, 0]))
    for part, graph, name, ms, gb in CALLS:
        row = parts[part][f"{name} ({graph})"]
        row[0] += ms; row[1] += gb; row[2] += 1
    return parts


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--levels", nargs="*", type=int, default=[0, 1, 2])
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--no-model", action="store_true", help="the U-Net stages only")
    p.add_argument("--top", type=int, default=25, help="kernels listed per part")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = load_config("configs/xlstm_unet_seisbench.yaml", [])
    torch._dynamo.config.cache_size_limit = 64
    rate = copy_rate()
    print(f"device-to-device copy: {rate:.0f} GB/s", flush=True)
    shapes = {}
    for level in args.levels:
        t0 = time.time()
        PART[0] = f"level {level}"
        shapes[level] = run_stage(cfg, level, args.batch)
        print(f"level {level} {shapes[level]}: {time.time() - t0:.0f} s", flush=True)
        torch.cuda.empty_cache()
    if not args.no_model:
        t0 = time.time()
        PART[0] = "model"
        run_model(cfg, args.batch)
        print(f"model: {time.time() - t0:.0f} s", flush=True)
    # a part's figures are those of one forward and backward: the second call repeats the first's listing
    summary, lines = {"copy_GB_per_s": round(rate), "batch": args.batch, "device": torch.cuda.get_device_name(),
                      "torch": torch.__version__, "parts": {}}, []
    (out / "calls.json").write_text(json.dumps(CALLS) + "\n")
    for part, kernels in by_part().items():
        rows = sorted(((name, ms / 2, gb / 2, calls // 2) for name, (ms, gb, calls) in kernels.items()),
                      key=lambda r: -r[1])
        ms, gb = sum(r[1] for r in rows), sum(r[2] for r in rows)
        floor = gb / rate * 1e3
        summary["parts"][part] = dict(kernels=len(rows), calls=sum(r[3] for r in rows), ms=round(ms, 3),
                                      GB=round(gb, 3), GB_per_s=round(gb / ms * 1e3), ms_at_copy_rate=round(floor, 3),
                                      top=[dict(kernel=n, calls=c, ms=round(t, 4), GB=round(b, 4),
                                                GB_per_s=round(b / t * 1e3) if t else None)
                                           for n, t, b, c in rows[:args.top]])
        lines += [f"## {part}", "",
                  f"{len(rows)} kernels, {sum(r[3] for r in rows)} calls: {ms:.2f} ms for {gb:.2f} GB "
                  f"({gb / ms * 1e3:.0f} GB/s); at the copy rate ({rate:.0f} GB/s) {floor:.2f} ms", "",
                  "| kernel | calls | ms | GB | GB/s |", "|---|---|---|---|---|"]
        lines += [f"| `{n[:90]}` | {c} | {t:.3f} | {b:.3f} | {b / t * 1e3:.0f} |" for n, t, b, c in rows[:args.top]]
        lines.append("")
        print(f"{part}: {ms:.2f} ms, {gb:.2f} GB, {gb / ms * 1e3:.0f} GB/s; at the copy rate {floor:.2f} ms",
              flush=True)
    (out / "bandwidth.json").write_text(json.dumps(summary, indent=1) + "\n")
    (out / "bandwidth.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

"""Check the bidirectional xLSTM U-Net on a CUDA GPU.

1. Kernel agreement, at the level of one `BidirectionalmLSTMLayer` (the per-head norm after the cell included):
   Triton (TFLA) and native chunkwise kernels, in float32 and under bfloat16 autocast, against the same layer in
   float64 on the CPU with the native kernel (exact autograd). Relative errors ||a - b|| / ||b|| of the output,
   the input gradient and the parameter gradients. The bare Triton kernel is compared too, without and with a
   per-head norm after it: its backward leaves out the gradient through the cell's normaliser, which only a
   following per-head norm cancels.
2. Speed: forward + backward of the full U-Net at batch 64 x 1024 frames under bfloat16 autocast, median over
   timed steps after warm-up (CUDA events), peak memory; for each Triton setting that compiles, and native.

Each group of variants runs in its own Python process: a Triton compiler crash (LLVM aborts the process) then
costs that group only and is recorded with its exit status. Variants:
  native/fp32, native/bf16        native chunkwise kernel, float32 / bf16 autocast
  triton/fp32                     Triton kernel on float32 inputs (no autocast)
  triton/bf16                     bf16 autocast, kernel inputs cast to bf16 (the experiment config)
  triton/bf16+noopt               the same, compiled with DISABLE_LLVM_OPT=1 (Triton skips LLVM's optimiser)
  triton/bf16,kernel-fp32|fp16    bf16 autocast, kernel inputs cast to float32 / float16

Run on the GPU machine from the repository root (wheels of xlstm and mlstm_kernels in .whl/):

    python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl \\
      && export PYTHONPATH=/tmp/site:$PWD SEISBENCH_CACHE_ROOT=/tmp/sb \\
      && PYTHONUNBUFFERED=1 python3 scripts/gpu_unet_check.py --out $OUT 2>&1 | tee $OUT/log.txt

Writes OUT/gpu_unet_check.json, rewritten after every step so that a run cut short keeps what it measured.
`--smoke` runs the same code on the CPU with the native kernels at toy sizes (to catch mistakes before a GPU run).
"""

import argparse
import copy
import dataclasses
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import torch
import torch.nn.functional as F

from seis_wav2vec.unet import NATIVE_CHUNKWISE_KERNEL, BidirectionalmLSTMLayer, UNetConfig, XLSTMUNet, mlstm_chunkwise

# name: (kernel_backend, autocast on, autocast_kernel_dtype, extra environment)
VARIANTS = {
    "native/fp32": ("native", False, "bfloat16", {}),
    "native/bf16": ("native", True, "bfloat16", {}),
    "triton/fp32": ("triton", False, "bfloat16", {}),
    "triton/bf16": ("triton", True, "bfloat16", {}),
    "triton/bf16+noopt": ("triton", True, "bfloat16", {"DISABLE_LLVM_OPT": "1"}),
    "triton/bf16,kernel-fp32": ("triton", True, "float32", {}),
    "triton/bf16,kernel-fp16": ("triton", True, "float16", {}),
}


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    "||a - b|| / ||b||, computed in float64 on the CPU."
    a, b = a.detach().double().cpu(), b.detach().double().cpu()
    return ((a - b).norm() / b.norm()).item()


def perturbed_layer(d_model: int, seed: int) -> BidirectionalmLSTMLayer:
    "A layer whose gates depend on the input and whose head norms are not the identity (the init has neither)."
    torch.manual_seed(seed)
    layer = BidirectionalmLSTMLayer(d_model, UNetConfig(kernel_backend="native"))
    with torch.no_grad():
        layer.gate_weight.normal_(0.0, layer.gate_weight.shape[-1] ** -0.5)
        layer.norm_weight.normal_(0.0, 0.1)
    return layer


def case_inputs(d_model, frames, batch):
    layer = perturbed_layer(d_model, seed=d_model + frames)
    gen = torch.Generator().manual_seed(1)
    x, g = torch.randn(batch, frames, d_model, generator=gen), torch.randn(batch, frames, d_model, generator=gen)
    return layer, x, g


def run_layer(layer, x, g, device, variant):
    "Output, input gradient and parameter gradients of `sum(layer(x) * g)` for `variant` ('reference': float64, native)."
    backend, autocast, kernel_dtype, _ = VARIANTS.get(variant, ("native", False, "bfloat16", {}))
    dtype = torch.float64 if variant == "reference" else torch.float32
    layer = copy.deepcopy(layer).to(device, dtype)
    # The config is replaced field by field, not re-validated: the reference must run on a CPU-only parent too.
    layer.cfg = copy.copy(layer.cfg)
    layer.cfg.kernel_backend, layer.cfg.autocast_kernel_dtype = backend, kernel_dtype
    x = x.to(device, dtype).requires_grad_(True)
    with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=autocast):
        y = layer(x)
    (y.to(dtype) * g.to(device, dtype)).sum().backward()
    return y, x.grad, {n: p.grad for n, p in layer.named_parameters()}


def compare_to(ref, got):
    (y_ref, dx_ref, grads_ref), (y, dx, grads) = ref, got
    flat = lambda gs: torch.cat([gs[n].detach().double().cpu().flatten() for n in sorted(gs)])
    per_param = {n: rel_err(grads[n], grads_ref[n]) for n in grads_ref}
    worst = max(per_param, key=per_param.get)
    return {"output": rel_err(y, y_ref), "input_grad": rel_err(dx, dx_ref),
            "param_grads_all": rel_err(flat(grads), flat(grads_ref)),
            "param_grad_worst": per_param[worst], "param_grad_worst_name": worst, "param_grads": per_param}


def bare_kernel_agreement(device, kernel, frames=256, batch=2, heads=4, head_dim=64):
    "Triton vs exact float64 gradients of the bare cell, and of the cell followed by a per-head norm."
    gen = torch.Generator().manual_seed(2)
    q, k, v = (torch.randn(batch, heads, frames, head_dim, generator=gen) for _ in range(3))
    i = torch.randn(batch, heads, frames, generator=gen)
    f = 3.0 + 2.0 * torch.randn(batch, heads, frames, generator=gen)
    g = torch.randn(batch, heads, frames, head_dim, generator=gen)
    out = {"kernel": kernel}
    for norm in (False, True):
        def grads(dev, dtype, name):
            ins = [t.detach().to(dev, dtype).clone().requires_grad_(True) for t in (q, k, v, i, f)]
            h = mlstm_chunkwise(*ins, kernel=name, chunk_size=128, autocast_kernel_dtype="float32")
            if norm:
                h = F.layer_norm(h.to(dtype), (head_dim,))
            (h * g.to(dev, dtype)).sum().backward()
            return [h] + [t.grad for t in ins]
        ref, got = grads(torch.device("cpu"), torch.float64, NATIVE_CHUNKWISE_KERNEL), grads(device, torch.float32, kernel)
        key = "with_head_norm" if norm else "bare"
        out[key] = {n: rel_err(a, b) for n, a, b in zip(("h", "dq", "dk", "dv", "di", "df"), got, ref)}
        print(f"  bare kernel {key:15s} " + "  ".join(f"{n} {e:.2e}" for n, e in out[key].items()), flush=True)
    return out


def time_unet(device, variant, batch, frames, steps, warmup):
    "Median forward + backward time of the full U-Net, and peak memory."
    backend, autocast, kernel_dtype, _ = VARIANTS[variant]
    torch.manual_seed(0)
    model = XLSTMUNet(UNetConfig(kernel_backend=backend, autocast_kernel_dtype=kernel_dtype)).to(device)
    x = torch.randn(batch, frames, model.cfg.d_input, device=device)
    cuda = device.type == "cuda"

    def step():
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=autocast):
            y = model(x)
        y.float().square().mean().backward()
        model.zero_grad(set_to_none=True)

    t0 = time.perf_counter()
    for _ in range(warmup):
        step()
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    warmup_s = time.perf_counter() - t0
    times_ms = []
    for _ in range(steps):
        if cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            step()
            end.record()
            torch.cuda.synchronize()
            times_ms.append(start.elapsed_time(end))
        else:
            t1 = time.perf_counter()
            step()
            times_ms.append(1e3 * (time.perf_counter() - t1))
    med = statistics.median(times_ms)
    res = {"variant": variant, "batch": batch, "frames": frames, "steps": steps, "warmup": warmup, "warmup_s": warmup_s,
           "median_ms": med, "min_ms": min(times_ms), "max_ms": max(times_ms), "samples_per_s": batch / med * 1e3,
           "peak_memory_GiB": torch.cuda.max_memory_allocated() / 2**30 if cuda else None,
           "parameters": sum(p.numel() for p in model.parameters())}
    print(f"  {variant}: median {med:.1f} ms/step (min {min(times_ms):.1f}, max {max(times_ms):.1f}),"
          f" {res['samples_per_s']:.0f} samples/s, peak {res['peak_memory_GiB'] or 0:.2f} GiB, warm-up {warmup_s:.0f} s", flush=True)
    return res


def child(args):
    "One group of variants in this process; results appended to args.part (JSON lines) as they come."
    device = torch.device("cpu" if args.smoke else "cuda")
    emit = lambda rec: open(args.part, "a").write(json.dumps(rec) + "\n")
    if args.task == "agreement":
        refs = torch.load(args.refs, weights_only=False)
        for variant in args.variants:
            for (d_model, frames, batch), ref in refs.items():
                layer, x, g = case_inputs(d_model, frames, batch)
                t0 = time.perf_counter()
                print(f"  {variant} d_model={d_model} T={frames} ...", flush=True)
                errs = compare_to(ref, run_layer(layer, x, g, device, variant))
                emit({"variant": variant, "d_model": d_model, "frames": frames, "batch": batch, **errs})
                print(f"  {variant:24s} d_model={d_model} T={frames}: out {errs['output']:.2e}  dx {errs['input_grad']:.2e}"
                      f"  dparams {errs['param_grads_all']:.2e} (worst {errs['param_grad_worst']:.2e} {errs['param_grad_worst_name']})"
                      f"  [{time.perf_counter() - t0:.1f} s]", flush=True)
    elif args.task == "bare":
        kernel = NATIVE_CHUNKWISE_KERNEL if args.smoke else UNetConfig().chunkwise_kernel
        emit(bare_kernel_agreement(device, kernel))
    else:
        batch, frames = (2, 128) if args.smoke else (64, 1024)
        for variant in args.variants:
            steps = 2 if args.smoke else args.steps if variant.startswith("triton") else min(args.steps, 20)
            emit(time_unet(device, variant, batch, frames, steps=steps, warmup=1 if args.smoke else 5))


def spawn(args, task, variants, deadline, refs=None):
    "Run one child process; return (records it produced, exit status, last lines of its output)."
    env = dict(os.environ)
    for v in variants:
        env.update(VARIANTS[v][3] if v in VARIANTS else {})
    part = Path(tempfile.mkstemp(suffix=".jsonl")[1])
    cmd = [sys.executable, __file__, "--out", str(args.out), "--child", task, "--part", str(part), "--steps", str(args.steps)]
    cmd += ["--variants", *variants] if variants else []
    cmd += ["--refs", refs] if refs else []
    cmd += ["--smoke"] if args.smoke else []
    timeout = max(10.0, deadline - time.time())
    try:
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
        status, output = proc.returncode, proc.stdout
    except subprocess.TimeoutExpired as e:
        status, output = "timeout", e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
    print(output, end="", flush=True)
    records = [json.loads(line) for line in part.read_text().splitlines() if line.strip()]
    return records, status, output.strip().splitlines()[-3:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="folder for gpu_unet_check.json")
    ap.add_argument("--smoke", action="store_true", help="CPU, native kernels, toy sizes")
    ap.add_argument("--steps", type=int, default=30, help="timed steps per timing (at most 20 for the native kernels)")
    ap.add_argument("--budget", type=float, default=330.0, help="seconds for the whole check; later steps are skipped")
    ap.add_argument("--child", choices=["agreement", "bare", "timing"], help=argparse.SUPPRESS)
    ap.add_argument("--variants", nargs="*", default=[], help=argparse.SUPPRESS)
    ap.add_argument("--part", help=argparse.SUPPRESS)
    ap.add_argument("--refs", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        args.task = args.child
        return child(args)

    start = time.time()
    deadline = start + args.budget
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.smoke and not torch.cuda.is_available():
        sys.exit("No CUDA device: run this on the GPU machine, or with --smoke on a CPU.")
    import mlstm_kernels
    import xlstm
    try:
        import triton
        triton_version = triton.__version__
    except ImportError:
        triton_version = None
    report = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "device": "cpu (smoke test)" if args.smoke else torch.cuda.get_device_name(),
              "torch": torch.__version__, "triton": triton_version, "xlstm": xlstm.__version__,
              "mlstm_kernels": getattr(mlstm_kernels, "__version__", "?"), "python": platform.python_version(),
              "command": " ".join(sys.argv), "variants": {k: list(v[:3]) + [v[3]] for k, v in VARIANTS.items()},
              "layer_agreement": [], "bare_kernel": None, "timing": [], "processes": []}
    path = args.out / "gpu_unet_check.json"
    save = lambda: path.write_text(json.dumps(report, indent=1))
    print(json.dumps({k: v for k, v in report.items() if k not in ("variants", "layer_agreement", "timing", "processes")}), flush=True)
    save()

    def run(task, variants, refs=None):
        if time.time() > deadline - 20:
            report["processes"].append({"task": task, "variants": variants, "status": "skipped: out of time"})
            print(f"skipped {task} {variants}: out of time", flush=True)
            return [], "skipped"
        t0 = time.time()
        records, status, tail = spawn(args, task, variants, deadline, refs)
        report["processes"].append({"task": task, "variants": variants, "status": status, "seconds": round(time.time() - t0, 1),
                                    "output_tail": tail if status != 0 else []})
        print(f"[{task} {variants}: exit status {status}, {time.time() - t0:.0f} s]", flush=True)
        return records, status

    # Stage widths at their stage lengths (U-Net levels 0, 1, 2), and a length the kernels must pad.
    cases = [(32, 100, 2), (64, 64, 2)] if args.smoke else [(128, 1024, 2), (256, 256, 2), (512, 64, 2), (128, 1000, 2)]
    print("float64 CPU references ...", flush=True)
    refs = {}
    for d_model, frames, batch in cases:
        layer, x, g = case_inputs(d_model, frames, batch)
        refs[(d_model, frames, batch)] = tuple(
            t.detach() if torch.is_tensor(t) else {n: p.detach() for n, p in t.items()}
            for t in run_layer(layer, x, g, torch.device("cpu"), "reference"))
    refs_path = str(Path(tempfile.gettempdir()) / "gpu_unet_check_refs.pt")
    torch.save(refs, refs_path)
    print(f"  done in {time.time() - start:.0f} s", flush=True)

    print("Layer agreement against the float64 CPU reference:", flush=True)
    safe = ["native/fp32", "native/bf16"] if args.smoke else [
        "native/fp32", "native/bf16", "triton/fp32", "triton/bf16,kernel-fp32", "triton/bf16,kernel-fp16"]
    groups = [safe] if args.smoke else [safe, ["triton/bf16"], ["triton/bf16+noopt"]]
    works = {}
    for group in groups:
        records, status = run("agreement", group, refs_path)
        report["layer_agreement"] += records
        for v in group:
            works[v] = sum(r["variant"] == v for r in records) == len(cases)
        save()

    print("Bare kernel against float64 native, without and with a per-head norm:", flush=True)
    records, _ = run("bare", [])
    report["bare_kernel"] = records[0] if records else None
    save()

    print("Full U-Net forward + backward, batch 64 x 1024 frames:", flush=True)
    fastest_first = ["native/bf16"] if args.smoke else [
        "triton/bf16", "triton/bf16+noopt", "triton/bf16,kernel-fp32", "native/bf16", "triton/bf16,kernel-fp16"]
    for variant in fastest_first:
        if not works.get(variant, False):
            print(f"  {variant}: skipped (its layer check did not complete)", flush=True)
            continue
        records, _ = run("timing", [variant])
        report["timing"] += records
        save()
    print(f"wrote {path} after {time.time() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()

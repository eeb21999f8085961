#!/usr/bin/env python3
"""Compile the fused kernels (12c_fused_input, 12d_fused_output) for a GPU architecture without a GPU, and print what
each tiling costs in registers and spills, from the compiled binary (Triton's own ptxas and cuobjdump). A kernel that
spills, or needs so many registers that few programs fit on a multiprocessor, is slow before it runs; this finds such
tilings on a CPU machine, before GPU time is spent on them. One JSON line per kernel, level and tiling:

    python3 scripts/triton_registers.py [--arch 90] [--levels 0 1 2] [--tiles 16,32,8 32,32,8] [--output-tiles 1024,8]

A tiling is BT,CI,num_warps for the input kernels and tile,num_warps for the output kernels (FUSED_OUTPUT_BLOCKS:
elements per tile), each set for the forward and the backward alike. By default each kernel runs on its own tiles in
FUSED_INPUT_BLOCKS and FUSED_OUTPUT_BLOCKS, with its loop and pipeline stages. The levels' shapes come from the
experiment config.
"""
import argparse, json, os, re, subprocess, tempfile, time

import torch
import triton
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource

from seis_wav2vec import fused_input, fused_output
from seis_wav2vec.config import load_config
from seis_wav2vec.unet import BidirectionalmLSTMLayer

CUOBJDUMP = os.path.join(os.path.dirname(triton.__file__), "backends", "nvidia", "bin", "cuobjdump")
BF16 = {"xu", "q", "k", "v", "xc_out", "dq", "dk", "dv", "dxc_in", "dconv_out", "dxs_out", "dqk_out", "dv_out",
        "h", "xc", "z", "y", "dy", "dh", "dxc", "dz"}  # as under bf16 autocast
INTS = {"sb", "st", "B", "sz_b", "sz_t"}


def resources(fn, constants: dict, num_warps: int, arch: int) -> dict:
    "Registers per thread, stack bytes (spills) and shared memory of one compiled kernel."
    signature = {a: "constexpr" if a in constants else "i32" if a in INTS else "*bf16" if a in BF16 else "*fp32"
                 for a in fn.arg_names}
    t0 = time.perf_counter()
    kernel = triton.compile(ASTSource(fn=fn, signature=signature, constexprs=constants),
                            target=GPUTarget("cuda", arch, 32), options={"num_warps": num_warps})
    with tempfile.NamedTemporaryFile(suffix=".cubin") as f:
        f.write(kernel.asm["cubin"]); f.flush()
        usage = subprocess.run([CUOBJDUMP, "-res-usage", f.name], capture_output=True, text=True, check=True).stdout
    m = re.search(r"REG:(\d+).*?STACK:(\d+).*?SHARED:(\d+)", usage)
    return dict(registers=int(m[1]), stack_bytes=int(m[2]), shared_bytes=int(m[3]),
                compile_s=round(time.perf_counter() - t0, 1))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", type=int, default=90, help="compute capability x 10: 90 for an H100 or H200")
    p.add_argument("--levels", nargs="*", type=int, default=[0, 1, 2])
    p.add_argument("--tiles", nargs="*", default=[None], metavar="BT,CI,WARPS")
    p.add_argument("--output-tiles", nargs="*", default=[None], metavar="TILE,WARPS")
    p.add_argument("--config", default="configs/xlstm_unet_seisbench.yaml")
    args = p.parse_args()
    os.environ.setdefault("TRITON_DEFAULT_FP_FUSION", "1")
    cfg = load_config(args.config)
    for level in args.levels:
        T, D = cfg.model.unet.levels(cfg.data.sample_len // 4)[level], cfg.model.unet.widths()[level]
        layer = BidirectionalmLSTMLayer(D, cfg.model.unet)
        for tile in args.tiles:
            if tile is not None:
                bt, ci, warps = map(int, tile.split(","))
                fused_input.FUSED_INPUT_BLOCKS.update(BT=bt, CI=ci, num_warps=warps,
                                                      BT_bwd=bt, CI_bwd=ci, warps_bwd=warps)
            x = layer.proj_up.weight.new_empty(1, T, layer.inner, dtype=torch.bfloat16)  # as under autocast; shapes
            for name, fn, extra in (("forward", fused_input._input_fwd, {}),
                                    ("backward", fused_input._input_bwd, {"HAS_DXC": True})):
                n = fused_input._shapes(x, layer.conv_weight, layer.q_weight, layer.num_heads, layer.gate_soft_cap,
                                        backward=name == "backward")
                keys = fused_input._BACKWARD_CONSTANTS if name == "backward" else fused_input._FORWARD_CONSTANTS
                constants = {k: n[k] for k in keys}
                warps = fused_input.FUSED_INPUT_BLOCKS["warps_bwd" if name == "backward" else "num_warps"]
                row = dict(level=level, T=T, I=layer.inner, kernel=name, BT=n["BT"], CI=n["CI"], num_warps=warps,
                           loop=n["LOOP"], stages=n["STAGES"], arch=args.arch)
                row.update(resources(fn, {**constants, **extra}, warps, args.arch))
                print(json.dumps(row), flush=True)
        blocks = fused_output.FUSED_OUTPUT_BLOCKS
        for tile in args.output_tiles:
            if tile is not None:
                elements, warps = map(int, tile.split(","))
                blocks.update(tile=elements, num_warps=warps, tile_bwd=elements, warps_bwd=warps,
                              span_bwd=max(blocks["span_bwd"], elements))
            for name, fn in (("output forward", fused_output._output_fwd),
                             ("output backward", fused_output._output_bwd)):
                backward = name == "output backward"
                constants = fused_output._output_meta(layer.num_directions, T, layer.inner, layer.num_heads,
                                                      layer.inner // layer.num_heads, 1e-5, backward=backward)
                warps = blocks["warps_bwd" if backward else "num_warps"]
                row = dict(level=level, T=T, I=layer.inner, kernel=name, BT=constants["BT"], num_warps=warps,
                           loop=constants.get("LOOP"), TS=constants.get("TS"), stages=constants["STAGES"],
                           arch=args.arch)
                row.update(resources(fn, constants, warps, args.arch))
                print(json.dumps(row), flush=True)

if __name__ == "__main__":
    main()

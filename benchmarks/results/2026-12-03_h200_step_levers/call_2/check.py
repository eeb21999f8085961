# Agreement of the fused input kernels (conv sums in the backward kernel) and of FrameSimilarity on a GPU,
# and the similarity matrix's time, float32 bmm against FrameSimilarity, eager and compiled.
import json, sys, time, torch, torch.nn.functional as F
from seis_wav2vec import fused_input
from seis_wav2vec.fused_input import check_fused_input, fused_layer_errors
from seis_wav2vec.contrastive import FrameSimilarity, frame_similarity
tiles = [{}, {"BT_bwd": 32, "warps_bwd": 4}, {"warps_bwd": 16}]
default = dict(fused_input.FUSED_INPUT_BLOCKS)
for tile in tiles:
    fused_input.FUSED_INPUT_BLOCKS.update(default | tile)
    for d, t in ((128, 1024), (256, 256), (512, 64)):
        for dt in (torch.float32, torch.bfloat16):
            e = check_fused_input(d, t, 4, device="cuda", dtype=dt)
            print(json.dumps({"tiles": tile, "d": d, "T": t, "dtype": str(dt), "largest": max(e.values()), **e}), flush=True)
fused_input.FUSED_INPUT_BLOCKS.update(default)
print(json.dumps(fused_layer_errors("FUSED_INPUT")), flush=True)

g = torch.Generator("cuda").manual_seed(0)
B, T, D = 64, 1024, 256
c = F.normalize(torch.randn(B, T, D, device="cuda", generator=g), dim=-1).requires_grad_()
z = F.normalize(torch.randn(B, T, D, device="cuda", generator=g), dim=-1).requires_grad_()
w = torch.randn(B, T, T, device="cuda", generator=g) * (torch.rand(B, T, T, device="cuda", generator=g) < 0.1)
c64, z64 = c.detach().double().requires_grad_(), z.detach().double().requires_grad_()
y64 = torch.bmm(c64, z64.transpose(1, 2)); ref = [y64, *torch.autograd.grad((y64 * w.double()).sum(), (c64, z64))]
rel = lambda a, b: ((a.double() - b).norm() / b.norm()).item()
def run(fn):
    y = fn(c, z); return [y, *torch.autograd.grad((y * w).sum(), (c, z))]
paths = {"float32 bmm": lambda c, z: torch.bmm(c, z.transpose(1, 2)), "FrameSimilarity": FrameSimilarity.apply,
         "FrameSimilarity compiled": torch.compile(FrameSimilarity.apply),
         "frame_similarity compiled": torch.compile(frame_similarity)}
for name, fn in paths.items():
    out = run(fn)
    for _ in range(3): run(fn)
    torch.cuda.synchronize(); t0 = time.perf_counter()
    for _ in range(20): run(fn)
    torch.cuda.synchronize(); ms = (time.perf_counter() - t0) / 20 * 1e3
    print(json.dumps({"path": name, "forward+backward ms": round(ms, 3),
                      "errors vs float64 (y, dc, dz)": [rel(a, b) for a, b in zip(out, ref)]}), flush=True)

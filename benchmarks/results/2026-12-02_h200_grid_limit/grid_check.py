# GPU check of mlstm_chunkwise past CUDA's grid limit: 2,048 sequences at the 1,024-frame level in one batch.
# python3 benchmarks/results/2026-12-02_h200_grid_limit/grid_check.py   (from the repository root, on a GPU)
import time, torch, numpy as np
from mlstm_kernels.torch import get_mlstm_kernel
from seis_wav2vec.unet import mlstm_chunkwise, TFLA_KERNEL, GRID_LIMIT
from seis_wav2vec.config import load_config
from seis_wav2vec.contrastive import ContrastiveModel
from seis_wav2vec.inference import embed
torch.manual_seed(0)
B, NH, T, DH = 2048, 4, 1024, 64
q, k, v = (torch.randn(B, NH, T, DH, device="cuda", dtype=torch.bfloat16, requires_grad=True) for _ in range(3))
i = (0.5 * torch.randn(B, NH, T, device="cuda")).requires_grad_()
f = (3 + 3 * torch.rand(B, NH, T, device="cuda")).requires_grad_()
try:
    get_mlstm_kernel(TFLA_KERNEL)(q=q, k=k, v=v, i=i, f=f, chunk_size=128, return_last_states=False,
                                  autocast_kernel_dtype=torch.bfloat16)
    torch.cuda.synchronize(); print("one launch of 2048 sequences: ran")
except RuntimeError as e: print("one launch of 2048 sequences:", str(e)[:80])
h = mlstm_chunkwise(q, k, v, i, f, kernel=TFLA_KERNEL, chunk_size=128)
dh = torch.randn_like(h)
grads = torch.autograd.grad((h.float() * dh.float()).sum(), (q, k, v, i, f))
halves = [mlstm_chunkwise(*(t[s:s + 1024] for t in (q, k, v, i, f)), kernel=TFLA_KERNEL, chunk_size=128) for s in (0, 1024)]
print("split call vs two halves: max |diff| output", (h - torch.cat(halves)).abs().max().item(), "finite grads", all(torch.isfinite(g).all().item() for g in grads))
cfg = load_config("configs/xlstm_unet_seisbench.yaml", [])
backbone = ContrastiveModel.from_experiment(cfg).eval().backbone.cuda()
x = np.random.default_rng(0).normal(size=(3, 1100 * 2048 + 2048)).astype(np.float32)
t0 = time.time()
feats = embed(backbone, x, sampling_rate=100.0, batch_size=1024, fast=False)
print("embed, 1,100 windows in batches of 1,024:", tuple(feats.shape), "finite", bool(torch.isfinite(feats).all()), "%.1f s" % (time.time() - t0))

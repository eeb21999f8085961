#!/usr/bin/env python3
"""Real-world streams through the inference path, on the device at hand: `embed` and `SeisWav2vecPicker.annotate` with
the experiment's (untrained) backbone, fast path (compiled blocks, bf16) on a GPU against float32 on the CPU.

Two streams made from ObsPy's RJOB example (3 components at 100 Hz, 30 s):
- gappy: tiled to 120 s, resampled to 200 Hz, 4 s cut out of Z and its pieces merged into a masked array, plus a
  10-sample fragment in the gap (shorter than the decimation filter);
- short: the 30 s example itself, shorter than the picker's 4096-sample window.

    python3 scripts/stream_check.py          # prints one line per check; exits 1 if a check fails
"""
import sys

import numpy as np
import obspy
import torch
import torch.nn.functional as F

from seis_wav2vec.config import load_config
from seis_wav2vec.contrastive import ContrastiveModel
from seis_wav2vec.downstream import HeadConfig, make_picker
from seis_wav2vec.inference import SeisWav2vecPicker, embed, stream_to_array


def streams() -> dict[str, obspy.Stream]:
    rjob = obspy.read()
    long = rjob.copy()
    for tr in long: tr.data = np.tile(tr.data, 4)  # 120 s
    at_200 = long.copy().resample(200.0)
    z = at_200.select(component="Z")[0]
    t0 = z.stats.starttime
    gappy = (obspy.Stream([z.slice(t0, t0 + 10), z.slice(t0 + 14, z.stats.endtime)]).merge()
             + z.slice(t0 + 12, t0 + 12.05) + at_200.select(component="[NE]"))
    return {"gappy": gappy, "short": rjob}


def main() -> int:
    torch.manual_seed(0)
    cfg = load_config("configs/xlstm_unet_seisbench.yaml", [])
    backbone = ContrastiveModel.from_experiment(cfg).eval().backbone
    picker = make_picker("finetune", backbone, HeadConfig())
    cpu_model = SeisWav2vecPicker(picker)
    gpu = torch.cuda.is_available()
    fast_model = SeisWav2vecPicker(make_picker("finetune", backbone, HeadConfig()).cuda()) if gpu else None
    if gpu: fast_model.picker.load_state_dict(picker.state_dict())
    ok = True
    for name, st in streams().items():
        x, _ = stream_to_array(st)
        peak = max(float(np.abs(tr.data).max()) for tr in st)
        good = bool(np.isfinite(x).all() and np.abs(x).max() <= peak)
        print(f"{name}: stream_to_array {x.shape}, max |x| {np.abs(x).max():.1f} (recording {peak:.1f}): "
              f"{'ok' if good else 'FAIL'}")
        ok &= good
        reference = embed(backbone.cpu(), st, fast=False)
        if gpu:
            features = embed(backbone.cuda(), st)
            cos = F.cosine_similarity(reference, features, dim=-1)
            good = bool(torch.isfinite(features).all() and cos.min() > 0.99)
            print(f"{name}: embed {tuple(features.shape)}, cosine float32 CPU / fast GPU mean {cos.mean():.4f} "
                  f"min {cos.min():.4f}: {'ok' if good else 'FAIL'}")
            ok &= good
        annotations = {"cpu": cpu_model.annotate(st)} | ({"gpu": fast_model.annotate(st)} if gpu else {})
        for where, ann in annotations.items():
            total = sum(tr.data for tr in ann) if len(ann) == 3 else None
            span = st[0].stats.starttime, max(tr.stats.endtime for tr in st)
            good = (len(ann) == 3 and np.allclose(total, 1, atol=1e-3)
                    and all(tr.stats.starttime >= span[0] and tr.stats.endtime <= span[1] for tr in ann))
            print(f"{name}: annotate on the {where}: {[(tr.stats.channel, tr.stats.npts) for tr in ann]}: "
                  f"{'ok' if good else 'FAIL'}")
            ok &= good
        if gpu and len(annotations["gpu"]) == 3:
            diff = max(float(np.abs(c.data - g.data).max()) for c, g in zip(annotations["cpu"], annotations["gpu"]))
            print(f"{name}: annotate, largest difference float32 CPU / fast GPU {diff:.4f}: "
                  f"{'ok' if diff < 0.02 else 'FAIL'}")
            ok &= diff < 0.02
    print("all checks passed" if ok else "a check failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

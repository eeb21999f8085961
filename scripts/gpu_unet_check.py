#!/usr/bin/env python3
"""Check the bidirectional xLSTM U-Net's kernels on a CUDA GPU: agreement of the Triton and native kernels with a
float64 reference (layer and bare kernel), and the full U-Net's speed per kernel setting, each group of variants in a
process of its own (the code: seis_wav2vec.unet_check, nbs/31_unet_check.ipynb).

    python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl \\
      && export PYTHONPATH=/tmp/site:$PWD SEISBENCH_CACHE_ROOT=/tmp/sb \\
      && PYTHONUNBUFFERED=1 python3 scripts/gpu_unet_check.py --out $OUT 2>&1 | tee $OUT/log.txt

`--smoke` runs the same code on the CPU with the native kernels at toy sizes.
"""
from seis_wav2vec.unet_check import check_main

if __name__ == "__main__":
    check_main()

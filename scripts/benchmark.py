#!/usr/bin/env python3
"""The GPU benchmark of the trainer's step against transformers' Wav2Vec2ForPreTraining, under its documented name:
the same as `python -m seis_wav2vec.benchmark` (the code and its explanation: nbs/30_benchmark.ipynb).

On the GPU machine, from the repository root with the wheels of shared/gpu/README.md in .whl (named in `carry`):

    python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site:$PWD SEISBENCH_CACHE_ROOT=/tmp/sb SEIS_WAV2VEC_DATA=/tmp/seis_data && python3 scripts/benchmark.py --out $OUT

A CPU dry run of every code path at tiny sizes (transformers importable):

    python scripts/benchmark.py --quick --out /tmp/bench
"""
from seis_wav2vec.benchmark import main

if __name__ == "__main__":
    main()

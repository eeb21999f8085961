#!/usr/bin/env python3
"""Soak of the trainer on the CPU: the run killed again and again (SIGKILL, or halfway through writing a checkpoint)
against the same run left alone, compared bit for bit (the code and its explanation: nbs/25_soak.ipynb).

    nice -n 10 .venv/bin/python scripts/soak.py --minutes 30 --rev HEAD --out benchmarks/results/2026-11-28_cpu_soak
    nice -n 10 .venv/bin/python scripts/soak.py --minutes 30 --nproc 2 --loader-workers 1 --out benchmarks/results/DATE_cpu_soak_2proc
    .venv/bin/python scripts/soak.py --minutes 3 --kill-every 25 50 --checkpoint-every 20 --out /tmp/soak_quick
"""
from seis_wav2vec.soak import main

if __name__ == "__main__":
    main()

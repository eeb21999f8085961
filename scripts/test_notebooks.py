#!/usr/bin/env python3
"""Tests the notebooks as `nbdev_test` does, and says what it is doing while it runs.

As in `nbdev_test`, worker processes (one per core, at most 8) take the notebooks one after another and run each
through nbdev's own `test_nb`, skipping the cells flagged with settings.ini's `tst_flags` unless they are named with
--flags. Unlike it, this prints when each notebook starts and ends, how long it took and whether it passed, a line
of what is still running whenever nothing else was printed for 20 s, and a failing notebook's traceback as it
fails; it ends on `notebooks: N passed, M failed`, with exit status 1 when M > 0. From the repository root
(scripts/test.sh runs it with the .venv's Python):

    python scripts/test_notebooks.py                          # every notebook in nbs/
    python scripts/test_notebooks.py --flags slow             # the slow cells as well
    python scripts/test_notebooks.py nbs/10_masking.ipynb     # some notebooks (files or folders)

The notebooks that took longest in the previous run on this machine start first (times kept in
.venv/notebook-test-times.json), so that the workers finish together.
"""
import argparse
import json
import multiprocessing as mp
import os
import queue
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

QUIET_S = 20  # the longest silence allowed: a status line follows any quieter stretch
ROOT = Path(__file__).resolve().parent.parent
TIMES = ROOT / ".venv" / "notebook-test-times.json"


def notebooks(paths: list[str]) -> list[Path]:
    "The notebooks `nbdev_test` would test under each of `paths` (default: nbs/), absolute and in order."
    from nbdev.doclinks import nbglob
    found = []
    for path in paths or [None]:
        found += [p.absolute() for p in nbglob(path, as_path=True)] if path is None or Path(path).is_dir() \
            else [Path(path).absolute()]
    missing = [p for p in found if not p.is_file()]
    if missing: sys.exit(f"no such notebook: {', '.join(map(str, missing))}")
    return sorted(set(p for p in found if not (p.parent / ".notest").exists()))


_started = None  # the queue on which workers announce the notebook they start


def _init_worker(started):
    global _started
    _started = started


def run_one(path: Path, skip_flags: list[str], force_flags: list[str], basepath: Path) -> tuple[bool, float]:
    "In a worker: nbdev's `test_nb` on one notebook, announced first; (every cell ran, seconds)."
    from nbdev.test import test_nb
    _started.put((path, time.monotonic()))
    ok, seconds = test_nb(path, skip_flags=skip_flags, force_flags=force_flags, basepath=basepath, showerr=True)
    sys.stderr.flush()
    return ok, seconds


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("paths", nargs="*", help="notebooks or folders (default: nbs/)")
    p.add_argument("--path", action="append", default=[], help="same as a positional path (nbdev_test's spelling)")
    p.add_argument("--flags", default="", help="space-separated flags whose cells run as well, e.g. 'slow cuda'")
    p.add_argument("--n_workers", type=int, default=None, help="notebooks at a time (default: the cores, at most 8)")
    args = p.parse_args(argv)
    paths = [str(Path(path).absolute()) for path in args.paths + args.path]
    os.chdir(ROOT)  # where nbdev finds settings.ini

    from nbdev.config import get_config
    cfg = get_config()
    skip_flags, force_flags = cfg.tst_flags.split(), args.flags.split()
    files = notebooks(paths)
    if not files: sys.exit("no notebooks to test")
    before = json.loads(TIMES.read_text()) if TIMES.is_file() else {}
    order = sorted(files, key=lambda f: -before.get(f.name, 0))  # longest first; unknown ones in name order
    n_workers = max(1, min(args.n_workers or min(os.cpu_count() or 1, 8), len(files)))
    skipped = sorted(set(skip_flags) - set(force_flags))
    print(f"notebooks: testing {len(files)} in {n_workers} worker processes; cells flagged {' '.join(skipped) or '-'} "
          f"are skipped{'' if force_flags else ' (--flags slow runs the slow ones)'}", flush=True)

    t0 = last_print = time.monotonic()

    def say(line: str):
        nonlocal last_print
        last_print = time.monotonic()
        s = int(last_print - t0)
        print(f"[{s // 60:2d}:{s % 60:02d}] {line}", flush=True)

    fork = mp.get_context("fork")  # workers inherit sys.path and the environment, as nbdev_test's do
    started = fork.Queue()
    running: dict[Path, float] = {}  # notebook -> when its worker started it
    results: dict[Path, tuple[bool, float]] = {}
    todo = order
    while todo:  # a second pool only where a worker died, which breaks its pool: it takes the notebooks not begun
        with ProcessPoolExecutor(n_workers, mp_context=fork, initializer=_init_worker, initargs=(started,)) as pool:
            pending = {pool.submit(run_one, f, skip_flags, force_flags, cfg.config_path): f for f in todo}
            todo = []
            while pending:
                done, _ = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
                fresh = []  # notebooks taken up since the last look, announced after those that ended
                while True:
                    try: fresh.append(started.get_nowait())
                    except queue.Empty: break
                running.update(fresh)
                for future in done:
                    path = pending.pop(future)
                    try: (ok, seconds), why = future.result(), ""
                    except BrokenProcessPool:
                        if path not in running:
                            todo.append(path)
                            continue
                        ok, seconds = False, time.monotonic() - running[path]
                        why = " (its worker process died: killed, out of memory, or a crash in this notebook or beside it)"
                    if path in dict(fresh): say(f"start {path.name}")
                    running.pop(path, None)
                    results[path] = ok, seconds
                    say(f"{'pass' if ok else 'FAIL'}  {path.name} in {seconds:.0f} s{why}")
                for path, _ in fresh:
                    if path in running: say(f"start {path.name}")
                if running and time.monotonic() - last_print >= QUIET_S:
                    now = time.monotonic()
                    say("still running: " + ", ".join(f"{p.name} ({now - s:.0f} s)" for p, s in running.items()))
        if todo: say(f"a worker process died; new workers take the {len(todo)} notebook(s) not begun")

    TIMES.parent.mkdir(exist_ok=True)
    TIMES.write_text(json.dumps({**before, **{p.name: round(s, 1) for p, (_, s) in results.items()}}, indent=1))
    failed = [str(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p) for p, (ok, _) in sorted(results.items()) if not ok]
    slowest = sorted(results.items(), key=lambda r: -r[1][1])[:5]
    print(f"slowest: {', '.join(f'{p.stem} {s:.0f} s' for p, (_, s) in slowest)}; "
          f"all in {time.monotonic() - t0:.0f} s", flush=True)
    if failed: print(f"failed: {' '.join(failed)} (tracebacks above; test one again with "
                     f"bash scripts/test.sh {failed[0]})", flush=True)
    print(f"notebooks: {len(results) - len(failed)} passed, {len(failed)} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    # run as the module `test_notebooks`: the workers' tasks name their function by module, and test_nb's IPython
    # shell takes over `__main__` in each worker
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import test_notebooks
    sys.exit(test_notebooks.main())

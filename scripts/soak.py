#!/usr/bin/env python3
"""Soak benchmark of the trainer: a CPU pretraining on the offline dataset, killed again and again, against the same run
left alone.

A supervisor starts `python -m seis_wav2vec.train --config configs/smoke.yaml --run-dir R --auto-resume` (one process,
one CPU thread, no loader workers), lets it train for a seeded random time, sends it SIGKILL and starts the same command
again, as a cluster that requeues a dead job would, until the run reaches its last step. Some attempts instead die
halfway through writing a checkpoint, at a seeded random checkpoint step, through the trainer's fault injection
(`SEIS_WAV2VEC_FAULTS=kill_in_checkpoint@S`). After every kill it checks that each checkpoint left in the run folder
loads, and records when the kill came, the last step finished, the step the next attempt resumes from and the steps
lost in between. Then it trains the same config once more without interruption and compares the two runs: every
tensor and value of their `last.pt` and `best.pt`, every metric record (timings aside) and the final validation.

`max_steps` is sized so that the killed run takes about `--minutes`, from the step time of a short calibration run
(or given with `--max-steps`). Every process runs one frozen copy of the package and configs, taken at the start from
the working tree or from a commit (`--rev`), so that edits during the hour cannot mix versions. Writes `<out>.json`
and `<out>.log` (the command on top); the trainer's own output of each attempt stays in the work folder.

    nice -n 10 .venv/bin/python scripts/soak.py --minutes 30 --rev HEAD --out benchmarks/results/2026-11-28_cpu_soak
    # a dry run of every path in about three minutes
    .venv/bin/python scripts/soak.py --minutes 2 --kill-every 25 50 --checkpoint-every 20 --out /tmp/soak_quick

The one-process run needs no torchrun: restarts by `torchrun --max-restarts` (where faults fire only in the first
attempt) and two-process kills are in nbs/23_reliability.ipynb.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import importlib
import json
import math
import os
import platform
import random
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
FAULTS_ENV = "SEIS_WAV2VEC_FAULTS"
CODE = ROOT  # the copy of the package and configs that every trainer process runs (set in `main`)
trainer = None  # seis_wav2vec.train of that copy, which reads the checkpoints and metrics here

# One thread in all: the model and the batches in the trainer's one process, beside whatever else runs on the machine.
# A metrics record per step tells the supervisor the step a kill came at (both runs log alike).
BASE_OVERRIDES = ["trainer.cpu_threads=1", "loader.num_workers=0", "loader.persistent_workers=false",
                  "trainer.log_every_n_steps=1", "trainer.val_check_interval=0.5"]
TIMINGS = ("train/samples_per_s", "train/step_time_s", "train/peak_mem_gib")  # what may differ between equal runs
VALIDATION_SHARE = 1.05  # a step plus its share of validations (4 batches every 100 steps) and checkpoints
FINAL_VAL = ("val/loss", "val/accuracy", "val/perplexity", "val/code_perplexity", "val/codes_used")
STEP_LINE = re.compile(r"step (\d+) epoch \d+ loss ")
PROGRESS_BAR = re.compile(r"train:[^\]]*\]?")  # tqdm's bar, which shares lines with the log when not on a tty
RESUME_LINE = re.compile(r"resuming at step (\d+)")


class Log:
    "The soak's own log: to stdout and `<out>.log`, each line stamped with the minutes since the soak began."
    def __init__(self, path: Path):
        self.file, self.t0 = open(path, "w"), time.time()

    def __call__(self, *args):
        s = time.time() - self.t0
        line = f"[{int(s // 60):3d}:{int(s % 60):02d}] " + " ".join(map(str, args))
        print(line, flush=True)
        self.file.write(line + "\n"); self.file.flush()

    def raw(self, text: str):
        print(text, flush=True)
        self.file.write(text + "\n"); self.file.flush()


class Attempt:
    "One trainer process; a thread reads its output into a file and follows the steps it finishes."
    def __init__(self, cmd: list[str], env: dict, output: Path):
        self.started = time.time()
        self.last_step, self.resumed_from, self.ready_s = None, 0, None
        self.notes: list[str] = []  # what the trainer says besides per-step records and progress bars
        self.out = open(output, "w")
        self.proc = subprocess.Popen(cmd, env=env, cwd=CODE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, bufsize=1, start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.out.write(line)
            text = PROGRESS_BAR.sub("", line.replace("\r", "")).strip()
            if m := STEP_LINE.findall(text): self.last_step = int(m[-1]); continue
            if text.startswith("run ") and self.ready_s is None: self.ready_s = time.time() - self.started
            if m := RESUME_LINE.search(text): self.resumed_from = int(m[1])
            if text: self.notes.append(text)
        self.out.close()

    def wait(self, timeout: float | None) -> int | None:
        "The exit status, or None if it still runs after `timeout` seconds."
        try: rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired: return None
        self.reader.join()
        return rc

    def kill(self) -> int:
        os.kill(self.proc.pid, signal.SIGKILL)
        return self.wait(None)


def trainer_cmd(config: Path, run_dir: Path, overrides: list[str]) -> list[str]:
    return [sys.executable, "-m", "seis_wav2vec.train", "--config", str(config), "--run-dir", str(run_dir),
            "--auto-resume", *overrides]


def trainer_env(faults: str | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(CODE), "SEIS_WAV2VEC_DATA": str(ROOT / "data"), "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    env.pop(FAULTS_ENV, None)
    if faults: env[FAULTS_ENV] = faults
    return env


def snapshot(rev: str | None, dest: Path) -> dict:
    "Copy the package, configs and settings.ini from commit `rev` (None: the working tree) to `dest`; say what was taken."
    parts = ["seis_wav2vec", "configs", "settings.ini"]
    git = lambda *a: subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    dest.mkdir(parents=True)
    if rev:
        archive = subprocess.run(["git", "archive", rev, *parts], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    else:
        for part in parts:
            (shutil.copytree if (ROOT / part).is_dir() else shutil.copy2)(ROOT / part, dest / part)
    digest = hashlib.sha256()
    for f in sorted(p for p in dest.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(f.relative_to(dest)).encode()); digest.update(f.read_bytes())
    return dict(rev=rev or "working tree", commit=git("rev-parse", rev or "HEAD"), sha256=digest.hexdigest(),
                uncommitted_changes=[] if rev else git("status", "--porcelain", "--", *parts).splitlines())


def checkpoint_report(run_dir: Path) -> dict:
    "The step of every checkpoint in the run folder (all must load), and the partial files killed writers left."
    folder = run_dir / "checkpoints"
    steps, unreadable = {}, {}
    for p in sorted(folder.glob("*.pt")):
        try: steps[p.name] = trainer.load_checkpoint(p)["step"]
        except trainer.CheckpointError as e: unreadable[p.name] = str(e)
    return dict(steps=steps, unreadable=unreadable, partial=sorted(p.name for p in folder.glob(".*.tmp-*")))


def metric_steps(run_dir: Path) -> int | None:
    "The last step with a train record in metrics.jsonl (a line cut short by a kill is skipped)."
    last, path = None, run_dir / "metrics.jsonl"
    for line in (path.read_text().splitlines() if path.exists() else []):
        try: r = json.loads(line)
        except json.JSONDecodeError: continue
        if "train/loss" in r: last = r["step"]
    return last


def calibrate(config: Path, work: Path, overrides: list[str], steps: int, log: Log) -> dict:
    "Step time and start-up time of the soak's process, from a short fresh run on this machine as loaded now."
    run_dir = work / "calibration"
    a = Attempt(trainer_cmd(config, run_dir, overrides + [f"trainer.max_steps={steps}",
                                                          f"train.checkpoint_every_n_steps={steps // 2}"]),
                trainer_env(), work / "calibration.out")
    rc = a.wait(None)
    if rc != 0: raise SystemExit(f"calibration run failed (exit {rc}); see {work / 'calibration.out'}")
    records = [r for r in trainer.read_metrics(run_dir) if "train/step_time_s" in r]
    step_s = statistics.mean(r["train/step_time_s"] for r in records[3:])
    wall = time.time() - a.started
    log(f"calibration: {steps} steps, mean step {step_s:.3f} s, start-up {a.ready_s:.1f} s, wall {wall:.0f} s")
    return dict(steps=steps, step_s=step_s, startup_s=a.ready_s, wall_s=wall)


def size_run(cal: dict, minutes: float, kill_every: tuple[float, float], checkpoint_every: int) -> int:
    "Steps that the killed run finishes in about `minutes`: each kill costs a start-up and half a checkpoint interval."
    step_s = cal["step_s"] * VALIDATION_SHARE
    kills = minutes * 60 / (sum(kill_every) / 2)
    per_kill = cal["startup_s"] + checkpoint_every / 2 * step_s
    return max(checkpoint_every, int((minutes * 60 - kills * per_kill) / step_s) // 10 * 10)


def run_killed(config: Path, run_dir: Path, overrides: list[str], args, step_s: float, max_steps: int,
               log: Log) -> dict:
    "Train to the last step, killing and restarting the trainer on a seeded schedule; every restart is recorded."
    rng = random.Random(args.seed)
    restarts, started, attempt_no = [], time.time(), 0
    while True:
        attempt_no += 1
        ck = run_dir / "checkpoints" / "last.pt"
        start_step = trainer.load_checkpoint(ck)["step"] if ck.exists() else 0
        delay = rng.uniform(*args.kill_every)
        in_checkpoint = rng.random() < args.in_checkpoint_share
        target = None
        if in_checkpoint:  # the first periodic checkpoint about `delay` seconds of steps ahead
            every = args.checkpoint_every
            target = math.ceil((start_step + max(1, delay / step_s)) / every) * every
            if target >= max_steps: in_checkpoint, target = False, None
        faults = f"kill_in_checkpoint@{target}" if in_checkpoint else None
        plan = f"{FAULTS_ENV}={faults}" if faults else f"SIGKILL after {delay:.0f} s"
        log(f"attempt {attempt_no}: from step {start_step}; {plan}")
        a = Attempt(trainer_cmd(config, run_dir, overrides), trainer_env(faults), run_dir.parent /
                    f"{run_dir.name}-attempt{attempt_no:02d}.out")
        rc = a.wait(delay * 4 + 300 if in_checkpoint else delay)  # a planned in-write kill gets ample time to come
        how = "in_checkpoint" if in_checkpoint else "sigkill"
        if rc is None:
            if in_checkpoint: log(f"attempt {attempt_no}: the planned in-write kill at step {target} did not come")
            killed_at = time.time()
            rc, how = a.kill(), "sigkill"
        else: killed_at = time.time()
        if restarts: restarts[-1]["next_attempt_resumed_from"] = a.resumed_from if a.ready_s is not None else None
        if a.ready_s is not None and a.resumed_from != start_step:
            log(f"attempt {attempt_no}: resumed from step {a.resumed_from}, but last.pt held step {start_step}")
        if rc == 0:
            log(f"attempt {attempt_no}: finished at step {a.last_step} after {killed_at - a.started:.0f} s")
            return dict(restarts=restarts, attempts=attempt_no, wall_s=time.time() - started,
                        summary=json.loads((run_dir / "summary.json").read_text()))
        if rc != -signal.SIGKILL:
            tail = "\n".join(a.notes[-30:])
            log(f"attempt {attempt_no}: exited with status {rc}, not killed; its last lines:\n{tail}")
            return dict(restarts=restarts, attempts=attempt_no, wall_s=time.time() - started, failed=rc,
                        failure_tail=a.notes[-30:])
        ckpts = checkpoint_report(run_dir)
        resume_step = ckpts["steps"].get("last.pt", None if start_step else 0)  # none yet: the next attempt starts afresh
        killed_step = a.last_step if a.last_step is not None else start_step
        logged = metric_steps(run_dir)
        r = dict(kill=len(restarts) + 1, how=how, fault=faults, at_s=round(killed_at - started, 1),
                 attempt_s=round(killed_at - a.started, 1), startup_s=a.ready_s and round(a.ready_s, 1),
                 resumed_from_before=start_step, killed_at_step=killed_step, resumes_from=resume_step,
                 steps_lost=None if resume_step is None else killed_step - resume_step,
                 metrics_last_step=logged, checkpoints=ckpts["steps"], partial_files=ckpts["partial"],
                 unreadable=ckpts["unreadable"])
        restarts.append(r)
        log(f"kill {r['kill']} ({how}{f' at step {target}' if target else ''}): {r['at_s'] / 60:.1f} min into the run, "
            f"{r['attempt_s']:.0f} s into the attempt, last step finished {killed_step} (metrics.jsonl: {logged}); "
            f"last.pt holds step {resume_step}: {r['steps_lost']} steps lost; partial files {ckpts['partial'] or 'none'}; "
            f"unreadable checkpoints {ckpts['unreadable'] or 'none'}")
        if resume_step is None or ckpts["unreadable"]:
            log("a kill left the run without a loadable last.pt: the soak stops here")
            return dict(restarts=restarts, attempts=attempt_no, wall_s=time.time() - started, failed="no last.pt")


def run_straight(config: Path, run_dir: Path, overrides: list[str], log: Log) -> dict:
    log("uninterrupted run: same config, same seed, no kills")
    a = Attempt(trainer_cmd(config, run_dir, overrides), trainer_env(), run_dir.parent / f"{run_dir.name}.out")
    rc = a.wait(None)
    wall = time.time() - a.started
    log(f"uninterrupted run: exit {rc} at step {a.last_step} after {wall:.0f} s")
    if rc != 0: raise SystemExit(f"the uninterrupted run failed; see {run_dir.parent / (run_dir.name + '.out')}")
    return dict(wall_s=wall, summary=json.loads((run_dir / "summary.json").read_text()))


def differences(a, b, where: str = "", counts: dict | None = None) -> list[str]:
    "Where two checkpoint states differ: tensors bitwise (dtype, shape, values), every other value by ==."
    counts = counts if counts is not None else {}
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys(): return [f"{where}: keys {sorted(map(str, a.keys() ^ b.keys()))} in one only"]
        return [d for k in a for d in differences(a[k], b[k], f"{where}/{k}", counts)]
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b): return [f"{where}: {len(a)} against {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{i}]", counts)]
    if torch.is_tensor(a) and torch.is_tensor(b):
        counts["tensors"] = counts.get("tensors", 0) + 1
        counts["elements"] = counts.get("elements", 0) + a.numel()
        if a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b): return []
        gap = (a.double() - b.double()).abs().max().item() if a.shape == b.shape else None
        return [f"{where}: tensors differ ({a.dtype}{list(a.shape)} vs {b.dtype}{list(b.shape)}, max |diff| {gap})"]
    counts["values"] = counts.get("values", 0) + 1
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def compare_checkpoints(a: Path, b: Path) -> dict:
    counts = {}
    diffs = differences(trainer.load_checkpoint(a), trainer.load_checkpoint(b), "", counts)
    return dict(bitwise_equal=not diffs, differences=diffs[:20], n_differences=len(diffs), **counts)


def compare_metrics(a: Path, b: Path) -> dict:
    "Every metrics record of the two runs, timings aside, compared exactly."
    ra, rb = ([{k: v for k, v in r.items() if k not in TIMINGS} for r in trainer.read_metrics(d)] for d in (a, b))
    diffs = [f"record {i} (step {x.get('step')}): " + ", ".join(f"{k} {x.get(k)} vs {y.get(k)}"
                                                            for k in sorted(x.keys() | y.keys()) if x.get(k) != y.get(k))
             for i, (x, y) in enumerate(zip(ra, rb)) if x != y]
    if len(ra) != len(rb): diffs.append(f"{len(ra)} records against {len(rb)}")
    final = [next(r for r in reversed(rs) if "val/loss" in r) for rs in (ra, rb)]
    return dict(equal=not diffs, records=len(ra), differences=diffs[:10], n_differences=len(diffs),
                final_val={name: {"step": f["step"], **{k: f[k] for k in FINAL_VAL}}
                           for name, f in zip(("killed", "uninterrupted"), final)})


def machine() -> dict:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor())
    return dict(cpu=cpu, cores=os.cpu_count(), python=platform.python_version(), torch=torch.__version__,
                platform=platform.platform(), load_avg_at_start=os.getloadavg())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default="configs/smoke.yaml", help="experiment YAML, relative to the code copy")
    p.add_argument("--rev", help="commit whose package and configs to run (default: the working tree as it is now)")
    p.add_argument("--minutes", type=float, default=30, help="wall time the killed run should take")
    p.add_argument("--max-steps", type=int, help="steps of the run (default: sized from a calibration run)")
    p.add_argument("--checkpoint-every", type=int, default=40, help="train.checkpoint_every_n_steps")
    p.add_argument("--kill-every", type=float, nargs=2, default=(120.0, 300.0), metavar=("MIN_S", "MAX_S"),
                   help="seconds an attempt trains before it is killed, drawn uniformly")
    p.add_argument("--in-checkpoint-share", type=float, default=0.3,
                   help="share of attempts that die halfway through writing a checkpoint instead")
    p.add_argument("--seed", type=int, default=0, help="seed of the kill schedule (the training keeps its own)")
    p.add_argument("--calibration-steps", type=int, default=40)
    p.add_argument("--work", help="folder for the run folders and the trainer's output (default /tmp/seis_soak-<time>)")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / f"{datetime.date.today()}_cpu_soak"),
                   help="path stem of the .json and .log written")
    args = p.parse_args()
    niceness = os.nice(0)
    command = (f"nice -n {niceness} " if niceness else "") + " ".join(
        shlex.quote(a) for a in [os.path.relpath(sys.executable, ROOT), os.path.relpath(__file__, ROOT), *sys.argv[1:]])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(args.work or f"/tmp/seis_soak-{datetime.datetime.now():%Y%m%d-%H%M%S}")
    work.mkdir(parents=True, exist_ok=False)
    log = Log(out.with_suffix(".log"))
    log.raw(f"$ {command}")
    log(f"work folder {work}; machine {machine()}")
    global CODE, trainer
    code = snapshot(args.rev, work / "code")
    CODE = work / "code"
    sys.path.insert(0, str(CODE))
    trainer = importlib.import_module("seis_wav2vec.train")
    assert trainer.FAULTS_ENV == FAULTS_ENV and Path(trainer.__file__).is_relative_to(CODE), trainer.__file__
    log(f"code: {code['rev']} (commit {code['commit'][:12]}), copied to {CODE}, sha256 {code['sha256'][:16]}"
        + (f", uncommitted changes {code['uncommitted_changes']}" if code["uncommitted_changes"] else ""))
    config = CODE / args.config

    base = BASE_OVERRIDES + [f"train.checkpoint_every_n_steps={args.checkpoint_every}"]
    cal = calibrate(config, work, base, args.calibration_steps, log)
    max_steps = args.max_steps or size_run(cal, args.minutes, tuple(args.kill_every), args.checkpoint_every)
    overrides = base + [f"trainer.max_steps={max_steps}"]
    log(f"run: {args.config} with {' '.join(overrides)}")
    result = dict(command=command, started=datetime.datetime.now().isoformat(timespec="seconds"), machine=machine(),
                  code=code, config=args.config, overrides=overrides, max_steps=max_steps, calibration=cal,
                  schedule=dict(seed=args.seed, kill_every_s=list(args.kill_every),
                                in_checkpoint_share=args.in_checkpoint_share, minutes=args.minutes))
    killed = run_killed(config, work / "killed", overrides, args, cal["step_s"] * VALIDATION_SHARE,
                        max_steps, log)
    lost = [r["steps_lost"] for r in killed["restarts"] if r["steps_lost"] is not None]
    killed["totals"] = dict(kills=len(killed["restarts"]),
                            in_checkpoint_kills=sum(r["how"] == "in_checkpoint" for r in killed["restarts"]),
                            steps_lost=sum(lost), max_steps_lost=max(lost, default=0),
                            mean_steps_lost=statistics.mean(lost) if lost else 0.0)
    result["killed_run"] = killed
    log(f"killed run: {killed['attempts']} attempts, {killed['totals']['kills']} kills "
        f"({killed['totals']['in_checkpoint_kills']} while writing a checkpoint), {sum(lost)} steps lost in all, "
        f"wall {killed['wall_s'] / 60:.1f} min")
    if "failed" not in killed:
        result["uninterrupted_run"] = run_straight(config, work / "uninterrupted", overrides, log)
        cmp = dict(last_pt=compare_checkpoints(work / "killed" / "checkpoints" / "last.pt",
                                               work / "uninterrupted" / "checkpoints" / "last.pt"),
                   best_pt=compare_checkpoints(work / "killed" / "checkpoints" / "best.pt",
                                               work / "uninterrupted" / "checkpoints" / "best.pt"),
                   metrics=compare_metrics(work / "killed", work / "uninterrupted"),
                   partial_files_left=checkpoint_report(work / "killed")["partial"])
        result["comparison"] = cmp
        result["match"] = cmp["last_pt"]["bitwise_equal"] and cmp["best_pt"]["bitwise_equal"] and cmp["metrics"]["equal"]
        for name in ("last_pt", "best_pt"):
            c = cmp[name]
            log(f"{name.replace('_', '.')}: {c.get('tensors', 0)} tensors ({c.get('elements', 0):,} numbers) and "
                f"{c.get('values', 0)} other values compared: " +
                ("bitwise equal" if c["bitwise_equal"] else f"{c['n_differences']} differ: {c['differences'][:5]}"))
        m = cmp["metrics"]
        log(f"metrics.jsonl: {m['records']} records compared (timings aside): " +
            ("all equal" if m["equal"] else f"{m['n_differences']} differ: {m['differences'][:3]}"))
        for name, f in m["final_val"].items(): log(f"final validation, {name} run: {f}")
        log(f"partial checkpoint files left in the killed run: {cmp['partial_files_left'] or 'none'}")
        log("RESULT: " + ("the killed run matches the uninterrupted one bitwise" if result["match"] else "MISMATCH"))
    else: result["match"] = False
    Path(out.with_suffix(".json")).write_text(json.dumps(result, indent=1) + "\n")
    log(f"wrote {out.with_suffix('.json')} and {out.with_suffix('.log')}")
    sys.exit(0 if result["match"] else 1)


if __name__ == "__main__":
    main()

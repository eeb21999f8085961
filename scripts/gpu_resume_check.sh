#!/usr/bin/env bash
# Kill-and-resume check on one GPU: the experiment config (compiled, CUDA-graphed step, bf16) for STEPS steps on an
# offline dataset of N_TRACES traces built on the machine, three runs side by side on the same GPU:
#   straight_a, straight_b   two uninterrupted runs: how far two equal runs drift apart on this GPU;
#   killed                   SIGKILLed once it has logged step KILL_AT (drawn between 30 and STEPS-15 unless given),
#                            then started again with the same command (--auto-resume), which resumes from last.pt.
# The comparison (`resume_check` of nbs/24_runs) goes to gpu_resume_check.json and .log in $OUT, beside each run's
# metrics.jsonl: the values that must match exactly (steps, epochs, learning rate, masked fraction, repairs) and the
# drift of the training metrics and of the final weights and optimizer state, before and after the resume.
#   bash scripts/gpu_resume_check.sh                     # STEPS=100, a checkpoint every 20 steps
#   CONFIG=configs/smoke.yaml STEPS=40 EVERY=10 SEIS_WAV2VEC_DATA=data bash scripts/gpu_resume_check.sh   # on a CPU
set -euo pipefail
OUT=${OUT:-runs/gpu_resume_check}
STEPS=${STEPS:-100}
EVERY=${EVERY:-20}
N_TRACES=${N_TRACES:-4000}
CONFIG=${CONFIG:-configs/xlstm_unet_seisbench.yaml}
KILL_AT=${KILL_AT:-$((30 + RANDOM % (STEPS - 45)))}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 SEISBENCH_CACHE_ROOT=${SEISBENCH_CACHE_ROOT:-/tmp/sb} SEIS_WAV2VEC_DATA=${SEIS_WAV2VEC_DATA:-/tmp/seis_data}
export TORCHINDUCTOR_COMPILE_THREADS=${TORCHINDUCTOR_COMPILE_THREADS:-4}  # the runs compile side by side
if [ -d .whl ] && ! python3 -c 'import xlstm, seisbench' 2>/dev/null; then  # the wheels the machine lacks
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD
else
  export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
fi
LOG="$OUT/gpu_resume_check.log"
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no GPU: $(nproc) CPU cores"
  python3 -c 'import torch, triton, xlstm; print("torch", torch.__version__, "triton", triton.__version__, "xlstm", xlstm.__version__)'
  git log -1 --format='commit %H' 2>/dev/null || true
  echo "STEPS=$STEPS EVERY=$EVERY N_TRACES=$N_TRACES KILL_AT=$KILL_AT"
} | tee "$LOG"
[ -d "$SEIS_WAV2VEC_DATA/offline" ] || python3 -c "from seis_wav2vec.offline import build_offline_dataset_cli as build
build(['--n-traces', '$N_TRACES', '--chunks', '16', '--workers', '16'])" 2>&1 | tail -1 | tee -a "$LOG"
RUNS=/tmp/seis_runs
rm -rf "$RUNS"; mkdir -p "$RUNS"
train() {  # run folder: the trainer, resuming the folder's last.pt if there is one
  python3 -m seis_wav2vec.train --config "$CONFIG" --run-dir "$RUNS/$1" --auto-resume \
    trainer.devices=1 trainer.max_steps="$STEPS" trainer.max_epochs=null trainer.log_every_n_steps=1 \
    trainer.val_check_interval=1.0 trainer.checkpoint_every_n_steps="$EVERY" loader.num_workers=3 loader.prefetch_factor=4
}
last_step() {  # the last step in a run's metrics.jsonl, 0 before the first
  python3 -c 'import json, pathlib, sys
f = pathlib.Path(sys.argv[1])
lines = f.read_text().split("\n")[:-1] if f.is_file() else []  # a line being written has no newline yet
print(json.loads(lines[-1]).get("step", 0) if lines else 0)' "$RUNS/$1/metrics.jsonl"
}
t0=$(date +%s)
train straight_a > "$RUNS/straight_a.log" 2>&1 & pa=$!
train straight_b > "$RUNS/straight_b.log" 2>&1 & pb=$!
setsid bash -c "$(declare -f train); RUNS=$RUNS STEPS=$STEPS EVERY=$EVERY CONFIG=$CONFIG train killed" > "$RUNS/killed_1.log" 2>&1 & pk=$!
while [ "$(last_step killed)" -lt "$KILL_AT" ]; do
  kill -0 "$pk" 2>/dev/null || { echo "the run to kill ended before step $KILL_AT" | tee -a "$LOG"; exit 1; }
  sleep 0.2
done
kill -KILL -- -"$pk"  # the trainer and its loader workers, as a crash or an out-of-memory kill would
echo "killed at logged step $(last_step killed) after $(( $(date +%s) - t0 )) s; checkpoints left:" \
  "$(ls "$RUNS/killed/checkpoints" | tr '\n' ' ')" | tee -a "$LOG"
wait "$pk" 2>/dev/null || true
train killed > "$RUNS/killed_2.log" 2>&1 & pk2=$!
status=0
for p in "$pa" "$pb" "$pk2"; do wait "$p" || status=1; done
echo "all runs ended after $(( $(date +%s) - t0 )) s, status $status" | tee -a "$LOG"
for f in "$RUNS"/*.log; do  # each run's outcome: the resume, validations, errors
  echo "== $(basename "$f")"; grep -E "resuming|validation|warning|error|stopped|Traceback" "$f" | tail -6
done | tee -a "$LOG"
RESUMED_AT=$(grep -o "resuming at step [0-9]*" "$RUNS/killed_2.log" | grep -o "[0-9]*$" || echo "")
for r in straight_a straight_b killed; do cp "$RUNS/$r/metrics.jsonl" "$OUT/${r}_metrics.jsonl"; done
python3 -c 'import json, sys
from seis_wav2vec.runs import resume_check
r = resume_check(*sys.argv[1:4], out=sys.argv[4], resumed_at=int(sys.argv[5]) if sys.argv[5] else None)
for name in ("straight_vs_straight", "straight_vs_killed"): print(name, json.dumps(r[name]))
print("killed run checkpoints", json.dumps(r["killed_checkpoints"]))
print("bitwise equal to straight_a:", r["bitwise"], "| resume sound:", r["sound"])
sys.exit(0 if r["sound"] else 1)' "$RUNS/straight_a" "$RUNS/straight_b" "$RUNS/killed" "$OUT/gpu_resume_check.json" "$RESUMED_AT" \
  2>&1 | tee -a "$LOG" || status=1
exit $status

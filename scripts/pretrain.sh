#!/usr/bin/env bash
# The main job: sets up .venv if needed, then pretrains through the papermill driver notebook.
# The executed notebook runs/<name>.ipynb is the run's report; the run folder is runs/<name>/.
# Extra arguments go to papermill, e.g. -p config ../configs/xlstm_unet_seisbench.yaml -p nproc 4
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
name=${RUN_NAME:-pretrain-$(date +%Y%m%d-%H%M%S)}
mkdir -p runs
.venv/bin/papermill --cwd nbs nbs/train.ipynb "runs/$name.ipynb" -p run_dir "runs/$name" "$@"
echo "report: runs/$name.ipynb  run folder: runs/$name"

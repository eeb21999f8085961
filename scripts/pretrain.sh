#!/usr/bin/env bash
# The main job: sets up .venv if needed, then pretrains through the papermill driver notebook.
# The executed notebook runs/<name>.ipynb is the run's report; the run folder is runs/<name>/.
# Extra arguments go to papermill, e.g. -p config configs/xlstm_unet_seisbench.yaml -p nproc 4
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
name=${RUN_NAME:-pretrain-$(date +%Y%m%d-%H%M%S)}
mkdir -p runs
# papermill's command line, its default engine starting the kernel with CurveZMQ keys from the kernel manager
# (jupyter_client's KernelManager.transport_encryption; the kernelspec that setup.sh installs declares curve support):
# the kernel's loopback traffic is encrypted, so ipykernel has no "running over TCP without encryption" to warn of.
# papermill's options cannot set the kernel manager's, hence the engine.
.venv/bin/python -c '
from papermill import cli
from papermill.engines import NBClientEngine, papermill_engines
from traitlets.config import Config

class EncryptedKernel(NBClientEngine):
    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        kwargs["config"] = Config({"KernelManager": {"transport_encryption": "auto"}})
        return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

papermill_engines.register(None, EncryptedKernel)
cli.papermill(prog_name="papermill")' --cwd nbs nbs/train.ipynb "runs/$name.ipynb" -p run_dir "runs/$name" "$@"
echo "report: runs/$name.ipynb  run folder: runs/$name"

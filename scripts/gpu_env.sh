# Sourced by the scripts/gpu_*.sh runs: the environment of a run on the GPU
# machine. The wheels in .whl that the machine lacks (../shared/gpu/README.md) go to /tmp/site, the checkout goes on
# PYTHONPATH, and `gpu_machine` prints the date, commit, card, CPU cores and library versions.
export PYTHONUNBUFFERED=1 SEISBENCH_CACHE_ROOT=${SEISBENCH_CACHE_ROOT:-/tmp/sb} SEIS_WAV2VEC_DATA=${SEIS_WAV2VEC_DATA:-/tmp/seis_data}
if [ -d .whl ] && ! python3 -c 'import xlstm, seisbench, omegaconf' 2>/dev/null; then
  python3 -m pip install -q --upgrade --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD
else
  export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
fi
gpu_machine() {
  date -u +%FT%TZ; git rev-parse HEAD 2>/dev/null || true
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no GPU"
  echo "$(nproc) CPU cores"
  python3 -c 'import torch, triton, xlstm; print("torch", torch.__version__, "triton", triton.__version__, "xlstm", xlstm.__version__)'
}

# Sourced by ci-setup.sh, test.sh and lint.sh: where the Python environments live.
# Outside the work tree on purpose, so that workspace tools (prettier, Nx) never walk into them.
# Override with MUSICGEN_TRITON_ENV=/some/dir.
env_root="${MUSICGEN_TRITON_ENV:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/musicgen-triton}"
venv="$env_root/venv-stack"     # the shipping stack (torch, transformers: infra/python-stack.env) + pytest + ruff
tvenv="$env_root/venv-triton"   # nvidia-pytriton: tritonserver binary + tritonclient
s3venv="$env_root/venv-s3"      # moto: an S3 server that honours If-None-Match / If-Match (lease tests)
k8svenv="$env_root/venv-k8s"    # kubernetes-validate + KEDA's models: the Helm chart's tests (infra/k8s)

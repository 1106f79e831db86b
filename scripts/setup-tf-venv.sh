#!/usr/bin/env bash
# Creates the Python virtualenv with TensorFlow (CPU) that the Fashion-MNIST comparison
# runs in: scripts/tf_fashion_mnist.py, and `cargo bench --bench epoch` when
# TBTRAIN_TF_PYTHON points at its python. Also tbparse, for the export bench.
# The tests never need it (TensorFlow is hundreds of megabytes).
#
# Where: $TBTRAIN_TF_VENV if set, else `.venv-tf` in the repository root.
# Idempotent: when the venv already holds the pinned versions it prints nothing.
set -euo pipefail

TENSORFLOW_VERSION=2.21.0
TBPARSE_VERSION=0.0.9

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${TBTRAIN_TF_VENV:-$repo_root/.venv-tf}"
py="$venv/bin/python"

installed_ok() {
    [ -x "$py" ] && "$py" - "$TENSORFLOW_VERSION" "$TBPARSE_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version, PackageNotFoundError
try:
    ok = version("tensorflow-cpu") == sys.argv[1] and version("tbparse") == sys.argv[2]
except PackageNotFoundError:
    ok = False
sys.exit(0 if ok else 1)
PY
}

if installed_ok; then
    exit 0
fi
if [ ! -x "$py" ]; then
    command -v python3 >/dev/null || { echo "setup-tf-venv: python3 not found on PATH" >&2; exit 1; }
    echo "setup-tf-venv: creating virtualenv $venv with $(python3 --version 2>&1)"
    python3 -m venv "$venv"
fi
echo "setup-tf-venv: installing tensorflow-cpu==$TENSORFLOW_VERSION tbparse==$TBPARSE_VERSION into $venv"
"$py" -m pip install --quiet --disable-pip-version-check \
    "tensorflow-cpu==$TENSORFLOW_VERSION" "tbparse==$TBPARSE_VERSION"
echo "setup-tf-venv: ready: $py"

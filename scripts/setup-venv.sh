#!/usr/bin/env bash
# Creates the Python virtualenv that the live-TensorBoard tests start the real
# `tensorboard` from, and installs the pinned TensorBoard and tensorboardX into it.
#
# Where: $TBTRAIN_VENV if set, else `.venv` in the repository root (the tests look in
# the same two places, see tests/common/mod.rs).
# Idempotent: when the venv already holds the pinned versions it prints nothing and
# exits 0; otherwise it creates what is missing and installs the pins.
set -euo pipefail

TENSORBOARD_VERSION=2.21.0
TENSORBOARDX_VERSION=2.6.5

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${TBTRAIN_VENV:-$repo_root/.venv}"
py="$venv/bin/python"

installed_ok() {
    [ -x "$py" ] && "$py" - "$TENSORBOARD_VERSION" "$TENSORBOARDX_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version, PackageNotFoundError
try:
    ok = version("tensorboard") == sys.argv[1] and version("tensorboardX") == sys.argv[2]
except PackageNotFoundError:
    ok = False
sys.exit(0 if ok else 1)
PY
}

if installed_ok; then
    exit 0
fi

if [ ! -x "$py" ]; then
    command -v python3 >/dev/null || { echo "setup-venv: python3 not found on PATH" >&2; exit 1; }
    echo "setup-venv: creating virtualenv $venv with $(python3 --version 2>&1)"
    python3 -m venv "$venv"
fi

echo "setup-venv: installing tensorboard==$TENSORBOARD_VERSION tensorboardX==$TENSORBOARDX_VERSION into $venv"
"$py" -m pip install --quiet --disable-pip-version-check --no-input \
    "tensorboard==$TENSORBOARD_VERSION" "tensorboardX==$TENSORBOARDX_VERSION"

if ! installed_ok; then
    echo "setup-venv: $venv still lacks tensorboard==$TENSORBOARD_VERSION / tensorboardX==$TENSORBOARDX_VERSION after pip install" >&2
    exit 1
fi
echo "setup-venv: ready: $venv/bin/tensorboard"

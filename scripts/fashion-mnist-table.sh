#!/usr/bin/env bash
# The README's Fashion-MNIST tables: the lesson at real scale (the 11-layer sigmoid and
# ReLU nets) and the lecture's lab-10 ladder, each trained by tbtrain and, when
# TBTRAIN_TF_PYTHON names a Python with TensorFlow (scripts/setup-tf-venv.sh makes
# .venv-tf), by TensorFlow on the same network and data (scripts/tf_fashion_mnist.py).
#
# Prints one Markdown row per network: the flags, tbtrain's test accuracy and cost, its
# wall time, and TensorFlow's test accuracy and cost.
#
# Needs Debian's dataset-fashion-mnist. Usage:
#   scripts/fashion-mnist-table.sh [lesson|ladder|all]      (default: all)
# Takes minutes: the ladder is 5 networks of 15 epochs.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
which="${1:-all}"
bin="${TBTRAIN_BIN:-}"
if [ -z "$bin" ]; then
    cargo build --release --quiet
    bin="${CARGO_TARGET_DIR:-target}/release/tbtrain"
fi
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

lesson=(
    "--depth 11 --width 64 --act sigmoid --init xavier --optimizer sgd --lr 0.1 --batch 100 --epochs 5"
    "--depth 11 --width 64 --act relu --init xavier --optimizer sgd --lr 0.1 --batch 100 --epochs 5"
)
ladder=(
    "--depth 1 --init normal --optimizer adam --lr 0.001 --batch 100 --epochs 15"
    "--depth 3 --width 256 --act relu --init normal --optimizer adam --lr 0.001 --batch 100 --epochs 15"
    "--depth 3 --width 256 --act relu --init xavier --optimizer adam --lr 0.001 --batch 100 --epochs 15"
    "--depth 5 --width 512 --act relu --init xavier --optimizer adam --lr 0.001 --batch 100 --epochs 15"
    "--depth 5 --width 512 --act relu --init xavier --optimizer adam --lr 0.001 --batch 100 --epochs 15 --dropout 0.3"
)
case "$which" in
    lesson) nets=("${lesson[@]}") ;;
    ladder) nets=("${ladder[@]}") ;;
    all) nets=("${lesson[@]}" "${ladder[@]}") ;;
    *) echo "usage: $0 [lesson|ladder|all]" >&2; exit 2 ;;
esac

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| flags | tbtrain test accuracy | tbtrain test cost | tbtrain wall | TensorFlow test accuracy | TensorFlow test cost |"
echo "|---|---:|---:|---:|---:|---:|"
i=0
for flags in "${nets[@]}"; do
    i=$((i + 1))
    start=$(date +%s%N)
    # shellcheck disable=SC2086 # the flags are words
    out="$("$bin" --dataset fashion-mnist $flags --logdir "$logs/$i")"
    ms=$((($(date +%s%N) - start) / 1000000))
    line="$(grep '^test cost' <<<"$out")"
    cost="$(sed -E 's/^test cost ([^,]+), test accuracy (.*)$/\1/' <<<"$line")"
    acc="$(sed -E 's/^test cost ([^,]+), test accuracy (.*)$/\2/' <<<"$line")"
    tf_acc="-" tf_cost="-"
    if [ -n "${TBTRAIN_TF_PYTHON:-}" ]; then
        # shellcheck disable=SC2086
        tf="$("$TBTRAIN_TF_PYTHON" scripts/tf_fashion_mnist.py $flags)"
        tf_acc="$(sed -E 's/.*"test_accuracy": ([0-9.]+).*/\1/' <<<"$tf")"
        tf_cost="$(sed -E 's/.*"test_cost": ([0-9.]+).*/\1/' <<<"$tf")"
    fi
    printf '| `%s` | %s | %s | %d.%d s | %s | %s |\n' "$flags" "$acc" "$cost" $((ms / 1000)) $((ms % 1000 / 100)) "$tf_acc" "$tf_cost"
done

#!/usr/bin/env bash
# Measures what the README's lesson sweep costs a TensorBoard user: the sweep's size on
# disk, and the memory of a TensorBoard holding it at its default settings, beside the
# same TensorBoard on an empty logdir (the peer, in the same run).
#
#   sweep --act sigmoid,relu,leaky-relu,tanh --depth 2,3,6,11 --seeds 1..20   (320 runs)
#
# What it does: builds the release binary, runs the sweep into a temporary logdir, sums
# the bytes of its files, then for each loader (TensorBoard's default `--load_fast`, which
# with the PyPI package's data server is the Rust loader, and `--load_fast=false`) starts
# the venv's TensorBoard on 127.0.0.1, waits until it lists every run and serves every
# HParams session with an end status, and reads the resident memory (VmRSS, and the peak
# VmHWM) of TensorBoard and every process it started. TensorBoard, its children and the
# temporary directory are removed on every exit path.
#
# Needs the venv of scripts/setup-venv.sh. Takes about two minutes on 2 cores.
#
# Usage: scripts/measure-sweep.sh [--act LIST] [--seeds RANGE]   (defaults: the README's,
#        sigmoid,relu,leaky-relu,tanh and 1..20)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
venv="${TBTRAIN_VENV:-$repo_root/.venv}"
seeds="1..20"
acts="sigmoid,relu,leaky-relu,tanh"
while [ $# -gt 0 ]; do
    case "$1" in
        --seeds) seeds="$2"; shift 2 ;;
        --act) acts="$2"; shift 2 ;;
        *) echo "usage: $0 [--act LIST] [--seeds RANGE]" >&2; exit 2 ;;
    esac
done
[ -x "$venv/bin/tensorboard" ] || { echo "measure-sweep: no TensorBoard at $venv/bin/tensorboard (run scripts/setup-venv.sh)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/tbtrain"
start=$(date +%s.%N)
"$bin" sweep --act "$acts" --depth 2,3,6,11 --seeds "$seeds" \
    --logdir "$work/sweep" --quiet
end=$(date +%s.%N)
mkdir "$work/empty"

"$venv/bin/python" - "$work/sweep" "$work/empty" "$venv/bin/tensorboard" "$start" "$end" <<'PY'
"""Starts TensorBoard on the sweep and on an empty logdir and reads their memory."""
import json, os, pathlib, signal, socket, subprocess, sys, time, urllib.request

sweep, empty, tensorboard, start, end = sys.argv[1:6]
files = [p for p in pathlib.Path(sweep).rglob("*") if p.is_file()]
runs = sorted({str(p.parent.relative_to(sweep)) for p in files if ".tfevents." in p.name})
size = sum(p.stat().st_size for p in files)
sessions = sum(1 for r in runs if r != "summary")
print(f"sweep: {sessions} runs in {float(end) - float(start):.0f} s, "
      f"{size / 1e6:.1f} MB on disk ({size / 1e6 / max(sessions, 1):.2f} MB a run)")


def tree_memory(pid):
    """Sum of VmRSS and of VmHWM (MB) over pid and its descendants."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    todo, rss, hwm = [pid], 0, 0
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm += int(line.split()[1])
        except OSError:
            pass
    return rss / 1024, hwm / 1024


def get(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read().decode())


def ended_sessions(url):
    body = {"experimentName": "", "allowedStatuses": ["STATUS_SUCCESS", "STATUS_FAILURE"],
            "colParams": [], "startIndex": 0, "sliceSize": 1000}
    groups = get(url + "/data/plugin/hparams/session_groups", body)
    return sum(1 for g in groups.get("sessionGroups", []) for s in g.get("sessions", [])
               if s.get("status") in ("STATUS_SUCCESS", "STATUS_FAILURE"))


def measure(logdir, extra, want_runs, want_sessions):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    url = f"http://127.0.0.1:{port}"
    log = open(os.path.join(os.path.dirname(logdir), f"tb-{port}.log"), "w")
    proc = subprocess.Popen([tensorboard, "--logdir", logdir, "--host", "127.0.0.1",
                             "--port", str(port), *extra],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    t0 = time.time()
    try:
        listed = None
        while time.time() - t0 < 600:
            if proc.poll() is not None:
                sys.exit(f"measure-sweep: TensorBoard exited ({proc.returncode})")
            try:
                served = get(url + "/data/runs")
                if len(served) >= want_runs and listed is None:
                    listed = time.time() - t0
                if listed is not None and (want_sessions == 0 or ended_sessions(url) >= want_sessions):
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            sys.exit("measure-sweep: TensorBoard did not load every run within 600 s")
        loaded = time.time() - t0
        time.sleep(2)
        rss, hwm = tree_memory(proc.pid)
        return rss, hwm, listed, loaded
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()


for label, extra in [("default loader", []), ("--load_fast=false", ["--load_fast=false"])]:
    base_rss, _, _, _ = measure(empty, extra, 0, 0)
    rss, hwm, listed, loaded = measure(sweep, extra, len(runs), sessions)
    print(f"tensorboard ({label}): {rss:.0f} MB resident holding the sweep (peak {hwm:.0f} MB), "
          f"{base_rss:.0f} MB on an empty logdir; every run listed after {listed:.1f} s, "
          f"every session served after {loaded:.1f} s")
PY

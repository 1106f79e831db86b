#!/usr/bin/env python3
"""How long tbtrain takes to stop after SIGTERM: the time a scheduler's KillWait (Slurm,
default 30 s) or terminationGracePeriodSeconds (Kubernetes) must cover.

    python3 scripts/slurm/stop-latency.py [TBTRAIN]   # default: target/debug/tbtrain

Starts a long `train` (default logging) and a `sweep --jobs 2`, sends SIGTERM one second
in, and prints the median and largest time from the signal to the exit (exit code 143
checked), over five tries each.
"""
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/debug/tbtrain"
TRIES = 5


def stop_ms(args, logdir):
    child = subprocess.Popen([BIN, *args, "--logdir", logdir],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    start = time.monotonic()
    child.send_signal(signal.SIGTERM)
    code = child.wait(timeout=60)
    elapsed = (time.monotonic() - start) * 1000
    if code != 143:
        sys.exit(f"{args}: exit code {code}, not 143")
    return elapsed


def main():
    cases = [
        ("train, default logging", ["--steps", "50000000", "-q"]),
        ("sweep --jobs 2, two runs training",
         ["sweep", "--seeds", "1..8", "--steps", "50000000", "--jobs", "2", "-q"]),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in cases:
            times = [stop_ms(args, os.path.join(tmp, f"{len(os.listdir(tmp))}"))
                     for _ in range(TRIES)]
            print(f"{name}: SIGTERM to exit median {statistics.median(times):.1f} ms, "
                  f"max {max(times):.1f} ms ({TRIES} tries)")


if __name__ == "__main__":
    main()

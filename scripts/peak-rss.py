#!/usr/bin/env python3
"""Runs a command and prints its exit code, peak resident memory (ru_maxrss) and wall time.

    scripts/peak-rss.py [--as-limit-mb N] CMD ARGS...

With --as-limit-mb, the command runs under that address-space limit (RLIMIT_AS), as a
batch system's memory limit would hold it. Used for the sweep set-up figures in
docs/NOTES.md, e.g.

    scripts/peak-rss.py target/debug/tbtrain sweep --seeds 1..100000 --steps 1 \
        --shard 0/100000 --jobs 1 --logdir /tmp/sw -q
"""
import os
import resource
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    limit = 0
    if args[:1] == ["--as-limit-mb"]:
        limit = int(args[1])
        args = args[2:]

    def limit_memory():
        if limit > 0:
            resource.setrlimit(resource.RLIMIT_AS, (limit << 20, limit << 20))

    start = time.time()
    child = subprocess.Popen(args, preexec_fn=limit_memory, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    err = child.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(child.pid, 0)
    print(f"exit {os.waitstatus_to_exitcode(status)}, peak RSS {usage.ru_maxrss / 1024:.1f} MB, "
          f"{time.time() - start:.2f} s" + (f", stderr: {err.strip()[-300:]!r}" if err else ""))


if __name__ == "__main__":
    main()

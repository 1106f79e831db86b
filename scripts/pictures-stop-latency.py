#!/usr/bin/env python3
"""Stop latency and memory of a run drawing pictures: starts BIN with --image-every EVERY
for STEPS steps, waits 3 s, reads its peak resident memory (VmHWM), sends SIGTERM and
times the exit (CAP seconds at most, then SIGKILL). TRIALS (env, default 3) tries.

    scripts/pictures-stop-latency.py target/debug/tbtrain 1 2000000
    scripts/pictures-stop-latency.py target/debug/tbtrain 10 1000000
"""
import os, signal, subprocess, sys, time, tempfile
b = sys.argv[1]; every = sys.argv[2]; steps = sys.argv[3]; cap = float(sys.argv[4]) if len(sys.argv) > 4 else 600
for trial in range(int(os.environ.get("TRIALS", "3"))):
    d = tempfile.mkdtemp()
    p = subprocess.Popen([b, "--steps", steps, "--image-every", every, "--log-every", "1000", "--hist-every", "0", "--logdir", d + "/run", "-q"], stderr=subprocess.PIPE)
    time.sleep(3)
    hwm = [l for l in open(f"/proc/{p.pid}/status") if l.startswith("VmHWM")][0].split()[1]
    t = time.time(); p.send_signal(signal.SIGTERM)
    try:
        p.wait(cap); lat = time.time() - t
        print(f"--image-every {every}: VmHWM after 3 s {int(hwm)//1024} MB, exit {p.returncode} {lat*1000:.0f} ms after SIGTERM")
    except subprocess.TimeoutExpired:
        p.kill(); p.wait(); print(f"--image-every {every}: VmHWM after 3 s {int(hwm)//1024} MB, not exited {cap:.0f} s after SIGTERM (killed)")

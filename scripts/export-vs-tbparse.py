#!/usr/bin/env python3
"""Times tbparse on a log directory and checks its scalars equal `tbtrain export`'s.

Usage: export-vs-tbparse.py LOGDIR EXPORT_CSV EXPORT_SECONDS
(run by `cargo bench --bench export` with TBPARSE_PYTHON set). Compares, for every
row, the run, tag, step, wall time (float64, exact) and value (tbparse's float64 of the
logged float32 against the export's text read as float32), then prints both speeds.
"""
import csv
import sys
import time

import numpy as np
from tbparse import SummaryReader


def main():
    logdir, export_csv, export_seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    start = time.perf_counter()
    df = SummaryReader(logdir, pivot=False, extra_columns={"dir_name", "wall_time"}).scalars
    tbparse_seconds = time.perf_counter() - start
    rows = len(df)
    theirs = sorted(
        zip(
            df["dir_name"].tolist(),
            df["tag"].tolist(),
            df["step"].astype("int64").tolist(),
            df["wall_time"].tolist(),
            np.asarray(df["value"], dtype=np.float32).view(np.uint32).tolist(),
        )
    )
    ours = []
    with open(export_csv, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        assert header == ["run", "tag", "step", "wall_time", "value"], header
        for run, tag, step, wall, value in reader:
            bits = int(np.array([float(value)], dtype=np.float32).view(np.uint32)[0])
            ours.append((run, tag, int(step), float(wall), bits))
    ours.sort()
    identical = ours == theirs
    print(f"tbparse: {rows} rows in {tbparse_seconds:.1f} s, {rows / tbparse_seconds:.0f} rows/s")
    print(f"tbtrain export: {len(ours)} rows in {export_seconds:.2f} s (best of 3), "
          f"{len(ours) / export_seconds:.0f} rows/s")
    print(f"ratio: {tbparse_seconds / export_seconds:.1f}x tbparse's rows per second")
    print(f"rows identical to tbparse's: {'yes' if identical else 'NO'}")
    if not identical:
        for a, b in zip(ours, theirs):
            if a != b:
                print(f"first difference: export {a} tbparse {b}")
                break
        print(f"rows: export {len(ours)}, tbparse {len(theirs)}")
        sys.exit(1)


main()

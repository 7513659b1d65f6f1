#!/usr/bin/env python3
"""Create the files of a synthetic library (`lookalike bench --synthetic-library N`) so that a
re-scan of it can be measured: one sparse file per photo, at the path, size and modification
time the synthetic catalog records for it (no disk blocks are used: the files hold no data).

    sudo python3 tools/bench/synthetic_files.py 1000000      # creates /synthetic-library
    lookalike --data-dir D index /synthetic-library           # the re-scan: nothing to do

The paths are those of src/cli/bench_library.rs::record; keep the two in step.
"""
import os
import sys


def main() -> None:
    n = int(sys.argv[1])
    root = "/synthetic-library"
    for photo in range(n):
        folder = f"{root}/DCIM/{photo // 1000:04}"
        if photo % 1000 == 0:
            os.makedirs(folder, exist_ok=True)
        path = f"{folder}/IMG_{photo:07}.jpg"
        size = 3_000_000 + photo % 1_000_000
        mtime = 1_700_000_000_000_000_000 + photo
        with open(path, "wb") as f:
            f.truncate(size)
        os.utime(path, ns=(mtime, mtime))
        if photo % 100_000 == 0:
            print(f"{photo} files", flush=True)


if __name__ == "__main__":
    main()

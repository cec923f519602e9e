"""How much `nnkit check` costs beyond importing torch, measured against that baseline.

Runs `python -c "import torch"` and `nnkit check --path solutions` alternately, several times,
and prints medians, the difference (the kit's own cost) and the ratio. Both run in the same
script on the same machine, so a noisy neighbour affects both. The target is a difference well
under two seconds.

    python bench/check_latency.py [--repeat 5] [--path solutions]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--path", default="solutions")
    args = parser.parse_args()
    baseline_cmd = [sys.executable, "-c", "import torch"]
    check_cmd = [sys.executable, "-m", "nnkit", "check", "--path", args.path]
    seconds(check_cmd)  # warm the file cache
    baseline, check = [], []
    for _ in range(args.repeat):
        baseline.append(seconds(baseline_cmd))
        check.append(seconds(check_cmd))
    base, full = statistics.median(baseline), statistics.median(check)
    print(f"import torch          median {base:6.3f} s  (n={args.repeat})")
    print(f"nnkit check --path {args.path:<9} median {full:6.3f} s")
    print(f"kit's own cost        {full - base:6.3f} s beyond import torch  (ratio {full / base:.2f}x)")


if __name__ == "__main__":
    main()

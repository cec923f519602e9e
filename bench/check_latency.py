"""How much `nnkit check` costs beyond importing torch, measured against that baseline.

Runs `python -c "import torch"` and `nnkit check --path solutions` alternately, several times,
and prints medians, the difference (the kit's own cost) and the ratio. Both run in the same
script on the same machine, so a noisy neighbour affects both. The target is a difference well
under two seconds.

A second baseline also pays the lazy imports torch makes on first use of an optimizer and of
torch.testing.assert_close (torch._dynamo and friends, about 1.5 s here): any training script
pays them, and the checks of `train` and `fit_iris` cannot avoid them. The difference to it is
the kit's own overhead.

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
    lazy_cmd = [sys.executable, "-c", "import torch; m = torch.nn.Linear(1, 1); "
                "torch.optim.SGD(m.parameters(), lr=0.1).step(); "
                "torch.testing.assert_close(torch.ones(1), torch.ones(1))"]
    check_cmd = [sys.executable, "-m", "nnkit", "check", "--path", args.path]
    seconds(check_cmd)  # warm the file cache
    baseline, lazy, check = [], [], []
    for _ in range(args.repeat):
        baseline.append(seconds(baseline_cmd))
        lazy.append(seconds(lazy_cmd))
        check.append(seconds(check_cmd))
    base, warm, full = (statistics.median(x) for x in (baseline, lazy, check))
    print(f"import torch                         median {base:6.3f} s  (n={args.repeat})")
    print(f"import torch + optimizer/assert_close median {warm:6.3f} s")
    print(f"nnkit check --path {args.path:<18} median {full:6.3f} s")
    print(f"beyond import torch:                 {full - base:6.3f} s  (ratio {full / base:.2f}x)")
    print(f"beyond torch's lazy imports too:     {full - warm:6.3f} s  (the kit's own overhead)")


if __name__ == "__main__":
    main()

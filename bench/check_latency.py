"""How much `nnkit check` costs beyond importing torch, measured against that baseline.

Runs, in turn and several times, `python -c "import torch"` (the baseline), `nnkit check` cold
(`--no-server`: a fresh process imports torch, pytest and the kit, then checks) and `nnkit check`
warm (served by a check server that this script starts first, in a folder of its own, and stops
at the end; its first answer is discarded). Prints medians, and for each path the difference to
the baseline and the ratio. All run in the same script on the same machine, so a noisy
neighbour affects them alike. The target is a difference well under two seconds.

A second baseline also pays the lazy imports torch makes on first use of an optimizer and of
torch.testing.assert_close (torch._dynamo and friends): any training script pays them, and a
cold check of `train` and `fit_iris` cannot avoid them. The cold path's difference to it is the
kit's own overhead; the warm server has paid them all before the first request.

    python bench/check_latency.py [--repeat 5] [--path solutions]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def seconds(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--path", default="solutions")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="nnkit-bench-")
    env = {**os.environ, "NNKIT_CHECK_SERVER": "on", "NNKIT_CHECK_SERVER_DIR": folder}
    nnkit = [sys.executable, "-m", "nnkit"]
    lazy = ("import torch; m = torch.nn.Linear(1, 1); torch.optim.SGD(m.parameters(), lr=0.1).step(); "
            "torch.testing.assert_close(torch.ones(1), torch.ones(1))")
    cold_name, warm_name = (f"nnkit check --path {args.path} --no-server (cold)",
                            f"nnkit check --path {args.path} (warm server)")
    commands = {
        "import torch": [sys.executable, "-c", "import torch"],
        "import torch + optimizer/assert_close": [sys.executable, "-c", lazy],
        cold_name: [*nnkit, "check", "--path", args.path, "--no-server"],
        warm_name: [*nnkit, "check", "--path", args.path],
    }
    try:
        started = subprocess.run([*nnkit, "server", "start"], cwd=ROOT, env=env, capture_output=True,
                                 text=True, check=False)
        if started.returncode:
            sys.exit(f"the check server did not start:\n{started.stdout}{started.stderr}")
        seconds(commands[cold_name], env)  # fill the file cache
        seconds(commands[warm_name], env)  # the server's first answer is discarded
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, command in commands.items():
                times[name].append(seconds(command, env))
    finally:
        subprocess.run([*nnkit, "server", "stop"], cwd=ROOT, env=env, capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)
    median = {name: statistics.median(values) for name, values in times.items()}
    base, lazy, cold, warm = median.values()
    width = max(map(len, median))
    for name, value in median.items():
        print(f"{name:<{width}}  median {value:6.3f} s  (n={args.repeat})")
    print()
    for what, value in (("cold", cold), ("warm", warm)):
        print(f"{what}: beyond import torch {value - base:+6.3f} s (ratio {value / base:.2f}x); "
              f"beyond torch's lazy imports too {value - lazy:+6.3f} s")


if __name__ == "__main__":
    main()

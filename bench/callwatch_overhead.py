"""What watching a call for forbidden calls (nnkit/callwatch.py) costs, against the same call unwatched.

For each exercise with forbidden calls, on inputs like its checks', the script times the
student's function called bare (the baseline), the same call inside `CallWatch`, and, for scale,
one whole local check call of it (`Submission.call`: encoding, the executor, decoding; unwatched).
Prints medians per call, the ratio watched / bare, and what the watch adds as a share of the
check call. All run in this one process, one torch thread, interleaved, so a noisy neighbour
affects them alike. The reference solutions are timed, and one submission written with Python
loops (many small torch calls: the worst case for a per-call hook).

    python bench/callwatch_overhead.py [--repeat 7] [--number 200]
"""

from __future__ import annotations

import argparse
import statistics
import timeit
from pathlib import Path

import torch
from torch import nn

from nnkit.course import catalog
from nnkit.harness.standard import RELU, linear, twins
from nnkit.submission.callwatch import CallWatch
from nnkit.submission.executor import Executor
from nnkit.submission.proxy import local_submission

ROOT = Path(__file__).resolve().parents[1]
X = torch.randn(6, 5, generator=torch.Generator().manual_seed(0))
LOGITS = torch.randn(16, 4, generator=torch.Generator().manual_seed(1))
TARGET = torch.arange(16) % 4


def model_with_gradients() -> nn.Module:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3))
    nn.functional.cross_entropy(model(X), TARGET[:6] % 3).backward()
    return model


CASES = [  # (label, folder, exercise id, arguments)
    ("entry", "solutions", "01_matrices.entry", (X, X.T, 1, 2)),
    ("matmul", "solutions", "01_matrices.matmul", (X, X.T)),
    ("matmul, loops", "tests/submissions/stranger", "01_matrices.matmul", (X, X.T)),
    ("linear_forward", "solutions", "02_linear.linear_forward", (X, torch.randn(3, 5), torch.randn(3))),
    ("MyLinear forward", "solutions", "02_linear.MyLinear", (X,)),
    ("softmax", "solutions", "03_activations.softmax", (X,)),
    ("sigmoid", "solutions", "03_activations.sigmoid", (X,)),
    ("cross_entropy", "solutions", "05_losses.cross_entropy", (LOGITS, TARGET)),
    ("one_hot", "solutions", "05_losses.one_hot", (TARGET, 4)),
    ("sgd_step", "solutions", "07_gradient_descent.sgd_step", (model_with_gradients(), 0.01)),
]


def per_call(statement, repeat: int, number: int) -> float:
    """Median seconds per call over `repeat` runs of `number` calls."""
    return statistics.median(timeit.repeat(statement, repeat=repeat, number=number)) / number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--number", type=int, default=200)
    options = parser.parse_args()
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}; medians of {options.repeat} runs of {options.number} calls each\n")
    print(f"{'call':<18} {'bare µs':>9} {'watched µs':>11} {'ratio':>6} {'added µs':>9} "
          f"{'check call µs':>14} {'added / check':>14}")
    ratios, shares = [], []
    for label, folder, exercise_id, args in CASES:
        path = ROOT / folder
        stem, name = exercise_id.split(".")
        function = getattr(Executor(path).load(stem), name)
        target: object = exercise_id
        submission = local_submission(path)
        check_args = args
        if name == "MyLinear":
            function = function(5, 3)
            target = submission.call(exercise_id, 5, 3).value  # the layer's handle, kept by the executor
        if name == "sgd_step":  # the student side's twin of the model, holding gradients too
            _, twin = twins(submission, [linear(5, 4), RELU, linear(4, 3)])
            submission.call(twin, X, grad_wrt=(0,))
            check_args = (twin, *args[1:])
        rules = catalog.by_id(exercise_id).forbidden

        def bare(function=function, args=args):
            function(*args)

        def watched(function=function, args=args, rules=rules, path=path):
            with CallWatch(rules, path):
                function(*args)

        def check(submission=submission, target=target, args=check_args):
            submission.call(target, *args)

        watched()  # the first watch resolves the forbidden names once; not what a call costs
        times = {"bare": [], "watched": [], "check": []}
        for _ in range(options.repeat):  # interleaved, so that a slow moment hits all three
            times["bare"].append(per_call(bare, 1, options.number))
            times["watched"].append(per_call(watched, 1, options.number))
            times["check"].append(per_call(check, 1, max(1, options.number // 4)))
        plain, seen, call = (statistics.median(times[k]) for k in ("bare", "watched", "check"))
        ratios.append(seen / plain)
        shares.append((seen - plain) / call)
        print(f"{label:<18} {plain * 1e6:>9.1f} {seen * 1e6:>11.1f} {seen / plain:>6.2f} "
              f"{(seen - plain) * 1e6:>9.1f} {call * 1e6:>14.1f} {(seen - plain) / call:>13.0%}")
    print(f"\nmedian ratio watched / bare: {statistics.median(ratios):.2f}; median added share of a local "
          f"check call: {statistics.median(shares):.0%} (a graded call also crosses a pipe to a worker)")


if __name__ == "__main__":
    main()

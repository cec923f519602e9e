"""Measure fit_iris recipes the way the hidden tests score them, to set their thresholds.

Each run: a seeded split of the 150 iris rows (100 train, 50 held out, class labels permuted),
torch seeded, the recipe trained on the 100 rows, scored on the 50. Prints, for the reference
solution and the article's plain recipe (Linear 4→16, ReLU, Linear 16→3, SGD lr 0.01, 500 steps on
raw features), the distribution of one run's accuracy and of the mean over the hidden tests' seeds.

    python bench/fit_iris_thresholds.py [RUNS]
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# autograder/ is not an installed package: its cases are loaded from the checkout, as the recipes are.
cases = load(ROOT / "autograder" / "cases.py", "autograder_cases")


def article_recipe(X_train, y_train):
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for _ in range(500):
        optimizer.zero_grad()
        nn.CrossEntropyLoss()(model(X_train), y_train).backward()
        optimizer.step()
    return model


def score(fit, split_seed: int) -> float:
    X_train, X_test, y_train, y_test = cases.iris_split(split_seed)
    torch.manual_seed(split_seed)
    model = fit(X_train.clone(), y_train.clone())
    model.eval()
    with torch.no_grad():
        return float((model(X_test).argmax(dim=1) == y_test).double().mean() * 100)


def quantiles(values: list[float]) -> str:
    ordered = sorted(values)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return (f"min {ordered[0]:.1f}  p1 {pick(0.01):.1f}  p5 {pick(0.05):.1f}  p10 {pick(0.10):.1f}  "
            f"median {statistics.median(ordered):.1f}  max {ordered[-1]:.1f}")


def main() -> None:
    torch.set_num_threads(1)
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    recipes = {"reference": load(ROOT / "solutions" / "08_training.py", "reference_08").fit_iris,
               "article": article_recipe}
    for extra in sorted((ROOT / "tests" / "submissions").glob("*/08_training.py")):
        recipes[extra.parent.name] = load(extra, f"{extra.parent.name}_08").fit_iris
    for name, fit in recipes.items():
        started = time.perf_counter()
        single = [score(fit, seed) for seed in range(runs)]
        seconds = (time.perf_counter() - started) / runs
        triples = [statistics.mean(single[i:i + len(cases.FIT_SEEDS)])
                   for i in range(0, runs - len(cases.FIT_SEEDS) + 1, len(cases.FIT_SEEDS))]
        graded = [score(fit, seed) for seed in cases.FIT_SEEDS]
        print(f"{name:<10} one run:      {quantiles(single)}   ({seconds:.2f} s a fit)")
        print(f"{'':<10} mean of {len(cases.FIT_SEEDS)}:    {quantiles(triples)}")
        print(f"{'':<10} hidden seeds {cases.FIT_SEEDS}: {[round(a, 1) for a in graded]}")


if __name__ == "__main__":
    main()

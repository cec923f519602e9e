"""Make the iris tensors ``data.pt`` and ``target.pt`` from ``iris.csv``.

Usage::

    python data/make_data.py           # (re)write data/data.pt and data/target.pt
    python data/make_data.py --check   # exit 1 if the .pt files differ from what it would make

``iris.csv`` holds the 150 iris flowers (Fisher 1936, public domain; the values as shipped
with scikit-learn) in the canonical order: four measurements in centimetres and the species
as a class index, 0 setosa, 1 versicolor, 2 virginica.

The tensors are the same rows, shuffled once with a fixed-seed ``torch.Generator`` and then
with the three rows the article prints first moved to the front, so that
``torch.load("data.pt")[:3]`` shows what the article shows. ``data.pt`` is a (150, 4) float32
tensor, ``target.pt`` a (150,) int64 tensor; both load with ``torch.load(path)`` (the default
``weights_only=True``). Running the script again gives the same tensors.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
CSV_PATH = HERE / "iris.csv"
COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
SEED = 2024

# The rows the article shows first, in its order: (features, class index).
ARTICLE_ROWS = [
    ([7.4, 2.8, 6.1, 1.9], 2),
    ([6.7, 3.1, 5.6, 2.4], 2),
    ([6.0, 3.4, 4.5, 1.6], 1),
]


def read_csv(path: str | Path = CSV_PATH) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the rows of ``iris.csv`` in file order: X (N, 4) float32 and y (N,) int64."""
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header != COLUMNS:
            raise ValueError(f"{path}: expected header {COLUMNS}, got {header}")
        rows = [row for row in reader if row]
    X = torch.tensor([[float(v) for v in row[:4]] for row in rows], dtype=torch.float32)
    y = torch.tensor([int(row[4]) for row in rows], dtype=torch.int64)
    return X, y


def order(X: torch.Tensor, y: torch.Tensor, seed: int = SEED) -> torch.Tensor:
    """The row order of the .pt files: a seeded permutation, the article's rows moved first."""
    generator = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(X), generator=generator)
    front = []
    for features, label in ARTICLE_ROWS:
        hits = ((X == torch.tensor(features)).all(dim=1) & (y == label)).nonzero().flatten()
        if len(hits) != 1:
            raise ValueError(f"article row {features} -> {label} found {len(hits)} times")
        front.append(int(hits[0]))
    rest = [int(i) for i in perm if int(i) not in front]
    return torch.tensor(front + rest, dtype=torch.int64)


def make_tensors(csv_path: str | Path = CSV_PATH) -> tuple[torch.Tensor, torch.Tensor]:
    """The tensors the .pt files should hold: X (150, 4) float32 and y (150,) int64."""
    X, y = read_csv(csv_path)
    idx = order(X, y)
    return X[idx].contiguous(), y[idx].contiguous()


def write(out_dir: str | Path = HERE, csv_path: str | Path = CSV_PATH) -> None:
    """Write ``data.pt`` and ``target.pt`` into ``out_dir``."""
    X, y = make_tensors(csv_path)
    out_dir = Path(out_dir)
    torch.save(X, out_dir / "data.pt")
    torch.save(y, out_dir / "target.pt")


def differences(data_dir: str | Path = HERE, csv_path: str | Path = CSV_PATH) -> list[str]:
    """What differs between the .pt files in ``data_dir`` and what ``write`` would make."""
    problems = []
    for name, expected in zip(["data.pt", "target.pt"], make_tensors(csv_path)):
        path = Path(data_dir) / name
        if not path.exists():
            problems.append(f"{path} is missing")
            continue
        found = torch.load(path)
        if not isinstance(found, torch.Tensor):
            problems.append(f"{path} holds a {type(found).__name__}, not a tensor")
        elif found.dtype != expected.dtype or found.shape != expected.shape:
            problems.append(f"{path} is {found.dtype} {tuple(found.shape)}, "
                            f"expected {expected.dtype} {tuple(expected.shape)}")
        elif found.requires_grad or not torch.equal(found, expected):
            problems.append(f"{path} differs from what make_data.py makes")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if data.pt / target.pt differ from what the script makes")
    args = parser.parse_args(argv)
    if args.check:
        problems = differences()
        for problem in problems:
            print(problem, file=sys.stderr)
        if not problems:
            print("data.pt and target.pt are up to date")
        return 1 if problems else 0
    write()
    print(f"wrote {HERE / 'data.pt'} and {HERE / 'target.pt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The hidden tests' inputs: random shapes and values from fixed seeds, plus the edge cases.

Every generator takes its own seed and uses a private torch.Generator, so the cases are the same
on every run, in any order, whatever the global random state. Values avoid what the contract
says no test depends on (relu's gradient at exactly 0, NaN and inf, a probability of exactly 0.5).
"""

from __future__ import annotations

from pathlib import Path

import torch

from nnkit.course import layout
from nnkit.harness import standard

# fit_iris is trained and scored once per seed: a different split of the rows and labels each.
FIT_SEEDS = (0, 1, 2)
# Entries above this magnitude make a stability case (checked at atol = rtol = 1e-4).
HUGE = 1000.0


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed))


def sizes(seed: int, count: int, low: int = 1, high: int = 7) -> list[int]:
    """`count` sizes in [low, high]."""
    return torch.randint(low, high + 1, (count,), generator=generator(seed)).tolist()


def values(shape, seed: int, scale: float = 3.0, dtype: torch.dtype = torch.float32,
           zeros: bool = False, away_from_zero: float = 0.0) -> torch.Tensor:
    """Uniform values in (-scale, scale), negative and positive; some exact zeros with `zeros`;
    none closer to 0 than `away_from_zero`."""
    g = generator(seed)
    x = (torch.rand(tuple(shape), generator=g, dtype=torch.float64) * 2 - 1) * scale
    if away_from_zero:
        x = torch.where(x.abs() < away_from_zero, torch.sign(x + 1e-12) * away_from_zero, x)
    if zeros and x.numel() > 1:
        x = torch.where(torch.rand(x.shape, generator=g, dtype=torch.float64) < 0.2, 0.0, x)
    return x.to(dtype)


def probabilities(shape, seed: int, edge: bool = True) -> torch.Tensor:
    """Probabilities in (0, 1), never 0.5; with `edge`, some within 1e-6 of 0 or 1."""
    g = generator(seed)
    p = torch.rand(tuple(shape), generator=g, dtype=torch.float64) * 0.98 + 0.01
    p = torch.where((p - 0.5).abs() < 0.01, p + 0.05, p)
    if edge and p.numel() >= 4:
        flat = p.reshape(-1)
        flat[0], flat[1] = 1e-6, 1 - 1e-6
        flat[2], flat[3] = 3e-4, 1 - 3e-4
    return p.to(torch.float32)


def zeros_and_ones(shape, seed: int) -> torch.Tensor:
    return torch.randint(0, 2, tuple(shape), generator=generator(seed)).to(torch.float32)


def classes(n: int, k: int, seed: int) -> torch.Tensor:
    """n class indices in 0..k-1 (int64), every class present when n >= k."""
    g = generator(seed)
    target = torch.randint(0, k, (n,), generator=g)
    if n >= k:
        target[torch.randperm(n, generator=g)[:k]] = torch.arange(k)
    return target


def matrix_pairs(seed: int, count: int = 8) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(A, B) pairs that can be multiplied: random shapes, then one row, one column, 1×1, square."""
    found = []
    for case in range(count):
        n, k, m = sizes(seed * 100 + case, 3)
        found.append((values((n, k), seed * 100 + case, zeros=True),
                      values((k, m), seed * 100 + case + 50, zeros=True)))
    edge = [(1, 4, 3), (5, 3, 1), (1, 1, 1), (4, 1, 4), (3, 3, 3)]
    for case, (n, k, m) in enumerate(edge):
        found.append((values((n, k), seed + 7 * case), values((k, m), seed + 7 * case + 1)))
    return found


def misfit_shapes(seed: int, count: int = 5) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Pairs of 2-D shapes whose inner sizes differ."""
    found = []
    for case in range(count):
        n, k, k2, m = sizes(seed * 100 + case, 4)
        found.append(((n, k), (k2 if k2 != k else k + 1, m)))
    return found


def shape_pairs(seed: int, count: int = 12) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Pairs of 2-D shapes for broadcasting: sizes of 1, equal sizes and misfits, mixed."""
    choices = torch.tensor([1, 1, 2, 3, 4])
    found = []
    g = generator(seed)
    for _ in range(count):
        a = choices[torch.randint(0, 5, (2,), generator=g)].tolist()
        b = [size if torch.rand(1, generator=g).item() < 0.5 else int(choices[torch.randint(0, 5, (1,),
             generator=g)].item()) for size in a]
        found.append((tuple(a), tuple(b)))
    return found


def tensors(seed: int, dtype: torch.dtype = torch.float32, count: int = 6, scale: float = 6.0,
            away_from_zero: float = 0.0) -> list[torch.Tensor]:
    """Tensors of 1 to 4 dimensions (one of a single entry), negative and positive values."""
    shapes = [(7,), (1, 5), (4, 3), (2, 3, 4), (3, 1, 2, 2), (1,)]
    return [values(shapes[i % len(shapes)], seed * 10 + i, scale=scale, dtype=dtype,
                   away_from_zero=away_from_zero) for i in range(count)]


def huge(seed: int) -> list[torch.Tensor]:
    """Stability cases: entries of ±1000 next to ordinary ones."""
    rows = values((3, 4), seed, scale=2.0)
    rows[0, 1], rows[1, 0], rows[1, 3], rows[2, 2] = HUGE, -HUGE, HUGE, -HUGE / 2
    return [torch.tensor([HUGE, 0.0]), torch.tensor([[-HUGE, HUGE, 0.0]]), rows]


def chains(seed: int, count: int = 6) -> list[list[torch.Tensor]]:
    """Lists of 1 to 5 matrices that fit one after the other (the article's (in, out) convention)."""
    found = []
    for case in range(count):
        length = 1 + case % 5
        dims = sizes(seed * 100 + case, length + 1, high=5)
        found.append([values((dims[i], dims[i + 1]), seed * 1000 + case * 10 + i, scale=1.5)
                      for i in range(length)])
    found.append([values((3, 3), seed + 1), values((3, 3), seed + 2), values((3, 3), seed + 3)])
    return found


def iris(folder: Path | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The kit's 150 iris rows (X float32, y int64)."""
    return standard.iris(folder or layout.data_dir(layout.exercises_dir()))


def iris_split(seed: int, folder: Path | None = None):
    """(X_train, X_test, y_train, y_test): 100 random rows to train, the other 50 to score.

    The class labels are permuted too (the same way in both parts), so a model can only learn
    them from the rows it is given: one that read the kit's data file itself would be wrong.
    """
    X, y = iris(folder)
    g = generator(7919 * (seed + 1))
    rows = torch.randperm(len(X), generator=g)
    labels = torch.randperm(3, generator=g)
    y = labels[y]
    return X[rows[:100]], X[rows[100:]], y[rows[:100]], y[rows[100:]]

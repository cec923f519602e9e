"""Hidden tests for 01_matrices: the public checks, then many more shapes and values, and the rules.

Shapes of products and of broadcasts are compared with the contract's rule on random and edge
shapes; `entry` and `matmul` with torch's `@` on random matrices (one row, one column, 1×1,
square, zeros and negatives); `matmul` must raise ValueError for every misfit and leave its
inputs alone; neither may use a forbidden product.
"""

import pytest
import torch

from autograder import cases, checks
from exercises.test_01_matrices import ELEMENTWISE_SHAPE, ENTRY, MATMUL, MATMUL_SHAPE
from nnkit.harness import expect
from nnkit.i18n.course import _

PAIRS = cases.matrix_pairs(seed=1, count=4)
MISFITS = cases.misfit_shapes(seed=2, count=3)

test_uses_no_forbidden_call = checks.forbidden_test("01_matrices")


def positions(A, B, seed):
    """The last entry of A @ B and a random one: (i, j) pairs."""
    n, m = A.shape[0], B.shape[1]
    g = cases.generator(seed)
    inside = (int(torch.randint(0, n, (1,), generator=g)), int(torch.randint(0, m, (1,), generator=g)))
    return sorted({(n - 1, m - 1), inside})


@pytest.mark.exercise(MATMUL_SHAPE)
def test_matmul_shape_of_shapes_that_fit(submission):
    checks.values(submission, MATMUL_SHAPE, [(tuple(A.shape), tuple(B.shape)) for A, B in PAIRS])


@pytest.mark.exercise(MATMUL_SHAPE)
def test_matmul_shape_of_shapes_that_do_not_fit(submission):
    checks.values(submission, MATMUL_SHAPE, MISFITS + [((3, 3), (2, 3)), ((1, 2), (1, 2))])


@pytest.mark.exercise(ELEMENTWISE_SHAPE)
def test_elementwise_shape_of_random_shapes(submission):
    checks.values(submission, ELEMENTWISE_SHAPE, cases.shape_pairs(seed=3, count=10))


@pytest.mark.exercise(ELEMENTWISE_SHAPE)
def test_elementwise_shape_of_ones_and_misfits(submission):
    shapes = [((1, 1), (5, 7)), ((5, 7), (1, 1)), ((1, 7), (5, 1)), ((5, 1), (1, 7)),
              ((3, 2), (2, 3)), ((1, 2), (3, 4)), ((4, 3), (4, 2)), ((2, 1), (3, 1))]
    checks.values(submission, ELEMENTWISE_SHAPE, shapes)


@pytest.mark.exercise(ENTRY)
def test_entry_of_random_matrices(submission):
    entries = [(A, B, i, j) for case, (A, B) in enumerate(PAIRS) for i, j in positions(A, B, case)]
    checks.values(submission, ENTRY, entries)


@pytest.mark.exercise(ENTRY)
def test_entry_of_square_matrices(submission):
    A, B = cases.values((4, 4), 11), cases.values((4, 4), 12)
    checks.values(submission, ENTRY, [(A, B, i, j) for i, j in [(0, 3), (3, 0), (1, 2), (2, 2)]])


@pytest.mark.exercise(ENTRY)
@pytest.mark.property
def test_entry_leaves_random_inputs_as_they_were(submission):
    checks.kept(submission, ENTRY, [(A, B, 0, 0) for A, B in PAIRS[:2]])


@pytest.mark.exercise(MATMUL)
def test_matmul_of_random_matrices(submission):
    checks.values(submission, MATMUL, PAIRS)


@pytest.mark.exercise(MATMUL)
def test_matmul_of_large_entries(submission):
    A, B = cases.values((3, 5), 21, scale=500.0), cases.values((5, 2), 22, scale=500.0)
    checks.values(submission, MATMUL, [(A, B)])


@pytest.mark.exercise(MATMUL)
def test_matmul_raises_value_error_for_every_misfit(submission):
    for a, b in MISFITS:
        A, B = cases.values(a, 31), cases.values(b, 32)
        expect.raises(submission.call(MATMUL, A, B), "ValueError",
                      _("{columns} columns in A cannot meet {rows} rows of B").format(columns=a[1],
                                                                                       rows=b[0]),
                      mentions=(*a, *b))


@pytest.mark.exercise(MATMUL)
@pytest.mark.property
def test_matmul_leaves_random_inputs_as_they_were(submission):
    checks.kept(submission, MATMUL, PAIRS[:2])

"""Public checks for 01_matrices: the article's X and W, shapes of products, and X @ W by hand.

Run them with `nnkit check 01` (or `pytest exercises/test_01_matrices.py`). Each check calls your
function through `student.call(...)` and compares the answer with the article's numbers or with
torch's own `@`.
"""

import pytest
import torch

from nnkit.harness import expect, mistakes
from nnkit.i18n.course import N_

ARTICLE_MATRICES, MATMUL_SHAPE, ELEMENTWISE_SHAPE, ENTRY, MATMUL = (
    "01_matrices.article_matrices", "01_matrices.matmul_shape", "01_matrices.elementwise_shape",
    "01_matrices.entry", "01_matrices.matmul")

# The article's matrices and their product X @ W, as it prints them.
X = torch.tensor([[0.4, 0.5], [0.9, 0.2], [0.2, 0.0], [0.1, 0.0]])
W = torch.tensor([[0.2, 0.5, 1.0], [0.7, 0.4, 0.4]])
X_AT_W = torch.tensor([[0.43, 0.40, 0.60], [0.32, 0.53, 0.98], [0.04, 0.10, 0.20], [0.02, 0.05, 0.10]])

# Two matrices with no pattern, to compare with torch's own `@`.
A = torch.linspace(-1.5, 2.0, 15).reshape(3, 5)
B = torch.linspace(1.0, -0.8, 10).reshape(5, 2)


@pytest.mark.exercise(ARTICLE_MATRICES)
def test_article_matrices_returns_the_articles_X_first(submission):
    got_X, _ = expect.parts(submission.call(ARTICLE_MATRICES), ["X", "W"])
    expect.tensor(got_X, X, mistakes=mistakes.item(mistakes.lazy(ARTICLE_MATRICES), 0))


@pytest.mark.exercise(ARTICLE_MATRICES)
def test_article_matrices_returns_the_articles_W_second(submission):
    _, got_W = expect.parts(submission.call(ARTICLE_MATRICES), ["X", "W"])
    expect.tensor(got_W, W, mistakes=mistakes.item(mistakes.lazy(ARTICLE_MATRICES), 1))


@pytest.mark.exercise(MATMUL_SHAPE)
def test_matmul_shape_of_the_articles_X_at_W_is_4_by_3(submission):
    expect.equal(submission.call(MATMUL_SHAPE, (4, 2), (2, 3)), (4, 3),
                 mistakes=mistakes.lazy(MATMUL_SHAPE, (4, 2), (2, 3)))


@pytest.mark.exercise(MATMUL_SHAPE)
def test_matmul_shape_is_none_when_the_inner_sizes_differ(submission):
    expect.equal(submission.call(MATMUL_SHAPE, (2, 3), (4, 2)), None)
    expect.equal(submission.call(MATMUL_SHAPE, (4, 2), (4, 2)), None)


@pytest.mark.exercise(MATMUL_SHAPE)
def test_matmul_shape_keeps_rows_of_the_first_and_columns_of_the_second(submission):
    expect.equal(submission.call(MATMUL_SHAPE, (1, 5), (5, 7)), (1, 7))
    expect.equal(submission.call(MATMUL_SHAPE, (6, 1), (1, 2)), (6, 2))


@pytest.mark.exercise(ELEMENTWISE_SHAPE)
def test_elementwise_shape_of_the_articles_X_times_W_is_none(submission):
    expect.equal(submission.call(ELEMENTWISE_SHAPE, (4, 2), (2, 3)), None)


@pytest.mark.exercise(ELEMENTWISE_SHAPE)
def test_elementwise_shape_of_equal_shapes_is_that_shape(submission):
    expect.equal(submission.call(ELEMENTWISE_SHAPE, (4, 3), (4, 3)), (4, 3))


@pytest.mark.exercise(ELEMENTWISE_SHAPE)
def test_elementwise_shape_broadcasts_sizes_of_one(submission):
    for a, b, want in [((4, 1), (1, 3), (4, 3)), ((1, 3), (4, 3), (4, 3)), ((4, 3), (4, 1), (4, 3)),
                       ((2, 3), (3, 1), None)]:
        expect.equal(submission.call(ELEMENTWISE_SHAPE, a, b), want,
                     mistakes=mistakes.lazy(ELEMENTWISE_SHAPE, a, b))


@pytest.mark.exercise(ENTRY)
def test_entry_0_0_of_the_articles_X_at_W_is_0_43(submission):
    expect.number(submission.call(ENTRY, X, W, 0, 0), 0.43)


@pytest.mark.exercise(ENTRY)
def test_entry_uses_row_i_of_A_and_column_j_of_B(submission):
    expect.number(submission.call(ENTRY, X, W, 1, 2), 0.98, mistakes=mistakes.lazy(ENTRY, X, W, 1, 2))
    expect.number(submission.call(ENTRY, A, B, 2, 1), float((A @ B)[2, 1]))


@pytest.mark.exercise(ENTRY)
@pytest.mark.property
def test_entry_does_not_modify_its_inputs(submission):
    expect.unchanged(submission.call(ENTRY, A, B, 1, 0))


@pytest.mark.exercise(MATMUL)
def test_matmul_of_the_articles_X_and_W_is_the_articles_product(submission):
    expect.tensor(submission.call(MATMUL, X, W), X_AT_W)


@pytest.mark.exercise(MATMUL)
def test_matmul_equals_torchs_product_for_other_shapes(submission):
    expect.tensor(submission.call(MATMUL, A, B), A @ B, mistakes=mistakes.lazy(MATMUL, A, B))
    expect.tensor(submission.call(MATMUL, B.T, A.T), B.T @ A.T)
    expect.tensor(submission.call(MATMUL, A[:1, :1], B[:1, :1]), A[:1, :1] @ B[:1, :1])


@pytest.mark.exercise(MATMUL)
def test_matmul_raises_value_error_when_the_shapes_do_not_fit(submission):
    expect.raises(submission.call(MATMUL, W, X), "ValueError",
                  N_("W (2, 3) @ X (4, 2): 3 columns, but 4 rows"))


@pytest.mark.exercise(MATMUL)
def test_matmul_names_both_shapes_in_its_value_error(submission):
    expect.raises(submission.call(MATMUL, W, X), "ValueError",
                  N_("W (2, 3) @ X (4, 2): 3 columns, but 4 rows"), mentions=(*W.shape, *X.shape))


@pytest.mark.exercise(MATMUL)
@pytest.mark.property
def test_matmul_does_not_modify_its_inputs(submission):
    expect.unchanged(submission.call(MATMUL, A, B))

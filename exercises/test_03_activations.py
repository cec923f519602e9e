"""Public checks for 03_activations: relu, sigmoid and softmax against torch's own.

Run them with `nnkit check 03` (or `pytest exercises/test_03_activations.py`). Each check calls
your function through `student.call(...)` and compares the answer (and its gradient) with
torch.relu, torch.sigmoid and torch.softmax on the same input.
"""

import pytest
import torch

from nnkit.harness import expect, mistakes, standard

RELU, SIGMOID, SOFTMAX = "03_activations.relu", "03_activations.sigmoid", "03_activations.softmax"

# The article's examples: a 3x3 matrix for ReLU and Softmax, a column for Sigmoid.
X = torch.tensor([[0.4, -0.5, 0.9], [0.3, 0.2, -0.1], [0.1, 0.7, -0.2]])
X_RELU = torch.tensor([[0.4, 0.0, 0.9], [0.3, 0.2, 0.0], [0.1, 0.7, 0.0]])
COLUMN = torch.tensor([[6.7], [-3.2], [1.1]])  # the article prints sigmoid: 0.9988, 0.0392, 0.7503

# A 3-D input with no pattern (and no zeros) and a weighting for its gradient.
CUBE = torch.linspace(-3.0, 2.5, 24).reshape(2, 3, 4)
CUBE_SEED = torch.linspace(1.0, -1.3, 24).reshape(2, 3, 4)

# The stability cases: exp(1000) overflows float32.
HUGE = torch.tensor([-1000.0, 1000.0])
HUGE_ROWS = torch.tensor([[1000.0, 0.0], [-1000.0, -1000.0]])


def check_gradient(submission, exercise, torch_fn):
    """Backpropagating through the student's function on CUBE gives torch_fn's gradient."""
    expect.gradients(submission.call(exercise, CUBE, grad_wrt=(0,), grad_seed=CUBE_SEED),
                     standard.gradients(torch_fn, CUBE, seed=CUBE_SEED), ["X"])


@pytest.mark.exercise(RELU)
def test_relu_of_the_articles_matrix(submission):
    expect.tensor(submission.call(RELU, X), X_RELU, mistakes=mistakes.lazy(RELU, X))


@pytest.mark.exercise(RELU)
@pytest.mark.property
def test_relu_keeps_the_shape_and_dtype(submission):
    expect.tensor(submission.call(RELU, CUBE), torch.relu(CUBE))
    expect.tensor(submission.call(RELU, CUBE.double()), torch.relu(CUBE.double()))


@pytest.mark.exercise(RELU)
@pytest.mark.property
def test_relu_is_differentiable(submission):
    check_gradient(submission, RELU, torch.relu)


@pytest.mark.exercise(RELU)
@pytest.mark.property
def test_relu_does_not_modify_its_input(submission):
    expect.unchanged(submission.call(RELU, X))


@pytest.mark.exercise(SIGMOID)
def test_sigmoid_of_the_articles_column(submission):
    got = submission.call(SIGMOID, COLUMN)
    expect.tensor(got, torch.sigmoid(COLUMN), mistakes=mistakes.lazy(SIGMOID, COLUMN))


@pytest.mark.exercise(SIGMOID)
@pytest.mark.property
def test_sigmoid_keeps_the_shape_and_dtype(submission):
    expect.tensor(submission.call(SIGMOID, CUBE), torch.sigmoid(CUBE))
    expect.tensor(submission.call(SIGMOID, CUBE.double()), torch.sigmoid(CUBE.double()))


@pytest.mark.exercise(SIGMOID)
def test_sigmoid_is_stable_for_large_inputs(submission):
    expect.tensor(submission.call(SIGMOID, HUGE), torch.tensor([0.0, 1.0]))


@pytest.mark.exercise(SIGMOID)
@pytest.mark.property
def test_sigmoid_is_differentiable(submission):
    check_gradient(submission, SIGMOID, torch.sigmoid)


@pytest.mark.exercise(SIGMOID)
@pytest.mark.property
def test_sigmoid_does_not_modify_its_input(submission):
    expect.unchanged(submission.call(SIGMOID, COLUMN))


@pytest.mark.exercise(SOFTMAX)
def test_softmax_of_the_articles_matrix_over_its_rows(submission):
    expect.tensor(submission.call(SOFTMAX, X), torch.softmax(X, dim=-1), mistakes=mistakes.lazy(SOFTMAX, X))


@pytest.mark.exercise(SOFTMAX)
def test_softmax_uses_the_dim_it_is_given(submission):
    for dim in (0, 1, -1):
        expect.tensor(submission.call(SOFTMAX, CUBE, dim=dim), torch.softmax(CUBE, dim=dim),
                      mistakes=mistakes.lazy(SOFTMAX, CUBE, dim=dim))


@pytest.mark.exercise(SOFTMAX)
@pytest.mark.property
def test_softmax_keeps_the_dtype(submission):
    expect.tensor(submission.call(SOFTMAX, X.double()), torch.softmax(X.double(), dim=-1))


@pytest.mark.exercise(SOFTMAX)
def test_softmax_is_stable_for_large_logits(submission):
    expect.tensor(submission.call(SOFTMAX, HUGE_ROWS), torch.tensor([[1.0, 0.0], [0.5, 0.5]]))


@pytest.mark.exercise(SOFTMAX)
@pytest.mark.property
def test_softmax_is_differentiable(submission):
    check_gradient(submission, SOFTMAX, lambda t: torch.softmax(t, dim=-1))


@pytest.mark.exercise(SOFTMAX)
@pytest.mark.property
def test_softmax_does_not_modify_its_input(submission):
    expect.unchanged(submission.call(SOFTMAX, X))

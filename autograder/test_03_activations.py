"""Hidden tests for 03_activations: the public checks, then torch's own functions on tensors of 1 to
4 dimensions (float32 and float64, zeros, negatives, ±1000), every dim of softmax, gradients with
random weightings, inputs left alone, and no library activation inside.
"""

import pytest
import torch

from autograder import cases, checks, reference
from exercises.test_03_activations import RELU, SIGMOID, SOFTMAX
from nnkit.harness import expect, standard

ORDINARY = cases.tensors(seed=1, count=5) + [cases.values((3, 4), 2, zeros=True)]
DOUBLES = cases.tensors(seed=3, dtype=torch.float64, count=2)
HUGE = cases.huge(seed=4)
# For gradients: no entry at exactly 0 (relu's slope there is not part of the contract).
SMOOTH = cases.tensors(seed=5, count=3, away_from_zero=0.05)

test_uses_no_forbidden_call = checks.forbidden_test("03_activations")


@checks.each(RELU, SIGMOID)
def test_activation_of_random_tensors(submission, exercise):
    checks.values(submission, exercise, [(X,) for X in ORDINARY + DOUBLES])


@checks.each(RELU, SIGMOID)
def test_activation_of_large_entries(submission, exercise):
    checks.values(submission, exercise, [(X,) for X in HUGE])


@checks.each(RELU, SIGMOID, SOFTMAX)
@pytest.mark.property
def test_activation_gradients_of_random_tensors(submission, exercise):
    """Backpropagating a random weighting through the student's function gives torch's gradient."""
    torch_function = getattr(reference, exercise.split(".")[1])
    for case, X in enumerate(SMOOTH):
        weighting = cases.values(X.shape, 50 + case)
        for dim in ((0, -1) if exercise == SOFTMAX else (None,)):
            kwargs = {} if dim is None else {"dim": dim}
            want = standard.gradients(lambda t: torch_function(t, **kwargs), X, seed=weighting)  # noqa: B023
            got = submission.call(exercise, X, grad_wrt=(0,), grad_seed=weighting, **kwargs)
            expect.gradients(got, want, ["X"])


@checks.each(RELU, SIGMOID)
@pytest.mark.property
def test_activation_leaves_random_tensors_as_they_were(submission, exercise):
    checks.kept(submission, exercise, [(X,) for X in ORDINARY[2:4]])


@pytest.mark.exercise(SOFTMAX)
def test_softmax_of_random_tensors_along_every_dim(submission):
    along = [(X, dim) for X in ORDINARY + DOUBLES + HUGE for dim in range(-X.dim(), X.dim())]
    checks.values(submission, SOFTMAX, along)


@pytest.mark.exercise(SOFTMAX)
def test_softmax_with_its_default_dim(submission):
    checks.values(submission, SOFTMAX, [(X,) for X in ORDINARY[2:5]])


@pytest.mark.exercise(SOFTMAX)
@pytest.mark.property
def test_softmax_leaves_random_tensors_as_they_were(submission):
    checks.kept(submission, SOFTMAX, [(X,) for X in ORDINARY[2:4]], dim=0)

"""Hidden tests for 07_gradient_descent: the public checks, then the steps on random floats and
tensors (derivatives of exactly 0 included), descend on random parabolas, `gradients` on random
models and losses (twice in a row), `sgd_step` against torch.optim.SGD (frozen layers included),
and no torch.optim inside sgd_step.
"""

import pytest
from torch import nn

from autograder import cases, checks, reference
from exercises.test_07_gradient_descent import (
    DESCEND,
    GRADIENT_STEP,
    GRADIENTS,
    SGD_STEP,
    SIGN_STEP,
    with_gradients,
)
from nnkit.harness import expect, mistakes, standard
from nnkit.harness.standard import RELU, linear
from nnkit.wire.codec import Spec

FLOATS = [(1.5, -2.0, 0.1), (-0.75, 3.25, 0.5), (2.0, 0.0, 0.3), (0.0, -1e-3, 2.0), (-4.0, -0.5, 0.01)]
TENSORS = [(cases.values(s, i), cases.values(s, i + 10, zeros=True), 0.1 + i / 10)
           for i, s in enumerate([(5,), (3, 2), (1,), (2, 2, 3)])]
# Random models (layers, seed, frozen parameters), and their losses on random inputs.
MODELS = [([linear(4, 3), RELU, linear(3, 3)], 7, []), ([linear(4, 5), RELU, linear(5, 2)], 8, []),
          ([linear(4, 6), RELU, linear(6, 4), RELU, linear(4, 3)], 9, ["0.weight", "0.bias"])]
X = cases.values((6, 4), 1)
CLASSES = cases.classes(6, 3, 2)

test_uses_no_forbidden_call = checks.forbidden_test("07_gradient_descent")


def loss_setups(layers):
    """(torch loss, its spec, truth) pairs for a model's output: cross-entropy or MSE."""
    width = layers[-1]["out_features"]
    return [(nn.CrossEntropyLoss(), Spec("loss", {"name": "CrossEntropyLoss"}), cases.classes(6, width, 3)),
            (nn.MSELoss(), Spec("loss", {"name": "MSELoss"}), cases.values((6, width), 4))]


def names(model):
    return [name for name, _ in model.named_parameters()]


@checks.each(SIGN_STEP, GRADIENT_STEP)
def test_step_of_random_floats(submission, exercise):
    checks.values(submission, exercise, FLOATS)


@checks.each(SIGN_STEP, GRADIENT_STEP)
def test_step_of_random_tensors(submission, exercise):
    checks.values(submission, exercise, TENSORS)


@checks.each(SIGN_STEP, GRADIENT_STEP)
@pytest.mark.property
def test_step_leaves_random_tensors_as_they_were(submission, exercise):
    checks.kept(submission, exercise, TENSORS[:2])


@pytest.mark.exercise(DESCEND)
def test_descend_on_random_parabolas(submission):
    runs = []
    for seed, steps in enumerate([1, 5, 17, 30]):
        a, b, c = 0.5 + seed, -2.0 + seed * 1.5, 0.25 * seed
        coeffs, alpha, w0 = [c, b, a], 0.4 / (2 * a), cases.values((1,), seed, scale=6.0).item()
        runs.append(checks.Twin((Spec("polynomial_derivative", {"coeffs": coeffs}), w0, alpha, steps),
                                (standard.polynomial_derivative(coeffs), w0, alpha, steps)))
    checks.values(submission, DESCEND, runs)


@pytest.mark.exercise(GRADIENTS)
@pytest.mark.parametrize("calls", [1, 2], ids=["once", "twice_in_a_row"])
def test_gradients_of_random_models_and_losses(submission, calls):
    for layers, seed, _ in MODELS:
        runs = []
        for torch_loss, spec, truth in loss_setups(layers)[:3 - calls]:
            model, twin = standard.twins(submission, layers, seed)
            for _ in range(calls - 1):  # an earlier call must not change the answer
                expect.result(submission.call(GRADIENTS, twin, X, truth, spec))
            runs.append(checks.Twin((twin, X, truth, spec), (model, X, truth, torch_loss)))
        checks.values(submission, GRADIENTS, runs, labels=names(model))


@pytest.mark.exercise(GRADIENTS)
@pytest.mark.property
def test_gradients_leave_random_models_and_inputs_as_they_were(submission):
    for layers, seed, _ in MODELS:
        _, spec, truth = loss_setups(layers)[1]
        model, twin = standard.twins(submission, layers, seed)
        out = submission.call(GRADIENTS, twin, X, truth, spec)
        expect.unchanged(out)
        expect.state(out, submission.state(twin), standard.state(model))


@pytest.mark.exercise(SGD_STEP)
def test_sgd_step_equals_torchs_sgd_on_random_models(submission):
    for (layers, seed, frozen), lr in zip(MODELS, (0.5, 0.05, 1.0)):
        classes = cases.classes(len(X), layers[-1]["out_features"], seed)
        model, twin = with_gradients(submission, layers, seed, frozen, X, classes)
        known = mistakes.lazy(SGD_STEP, model, lr)
        out = submission.call(SGD_STEP, twin, lr)
        expect.state(out, submission.state(twin), reference.expected(SGD_STEP, model, lr), mistakes=known,
                     before=standard.state(model))

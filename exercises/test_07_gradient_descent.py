"""Public checks for 07_gradient_descent: steps by hand, then autograd and SGD on a real model.

Run them with `nnkit check 07` (or `pytest exercises/test_07_gradient_descent.py`). The steps are
compared with their formulas; `gradients` and `sgd_step` run on a model with known weights next
to torch's own model with the same weights, its `backward()` and `torch.optim.SGD`.
"""

import pytest
import torch
from torch import nn

from nnkit.harness import expect, mistakes, standard
from nnkit.harness.standard import RELU, linear
from nnkit.i18n.course import N_, _
from nnkit.wire.codec import Spec

SIGN_STEP, GRADIENT_STEP, DESCEND, GRADIENTS, SGD_STEP = (
    "07_gradient_descent.sign_step", "07_gradient_descent.gradient_step", "07_gradient_descent.descend",
    "07_gradient_descent.gradients", "07_gradient_descent.sgd_step")

# Weights and their derivatives, for the steps on tensors.
W = torch.tensor([1.0, -0.5, 2.0, 0.25])
GRAD = torch.tensor([2.5, -0.1, -3.0, 0.4])

# The loss (w - 3)^2 = 9 - 6w + w^2 of one weight: the student side gets its derivative 2(w - 3).
PARABOLA = [9.0, -6.0, 1.0]
DF = Spec("polynomial_derivative", {"coeffs": PARABOLA})

# The article's small model (4 features -> 3 -> 3 classes) and a batch of 5 flowers.
LAYERS = [linear(4, 3), RELU, linear(3, 3)]
NAMES = ["0.weight", "0.bias", "2.weight", "2.bias"]
X = torch.tensor([[7.4, 2.8, 6.1, 1.9], [6.7, 3.1, 5.6, 2.4], [6.0, 3.4, 4.5, 1.6],
                  [5.1, 3.5, 1.4, 0.2], [5.9, 3.0, 4.2, 1.5]])
Y = torch.tensor([2, 2, 1, 0, 1])
LR = 0.1
CROSS_ENTROPY = Spec("loss", {"name": "CrossEntropyLoss"})


def descent(w0, alpha, steps):
    """Gradient descent on (w - 3)^2, by its derivative 2(w - 3): [w0, w1, ..., w_steps]."""
    path = [w0]
    for _step in range(steps):
        path.append(path[-1] - alpha * 2 * (path[-1] - 3))
    return path


def with_gradients(submission, layers=LAYERS, seed=3, frozen=(), inputs=X, classes=Y):
    """torch's model and the student side's twin, both holding the gradients of the
    cross-entropy on (inputs, classes); the parameters named in `frozen` have none. (From seed 3
    every parameter of LAYERS gets a gradient on X; from seed 0 its hidden layer is dead there.)

    The student side backpropagates the loss's gradient with respect to the model's output, so
    its parameters receive exactly the loss's gradients without calling any student code.
    """
    model, twin = standard.twins(submission, layers, seed, frozen)
    output = model(inputs)
    output_gradient = standard.gradients(lambda out: nn.CrossEntropyLoss()(out, classes), output.detach())[0]
    nn.CrossEntropyLoss()(output, classes).backward()
    submission.call(twin, inputs, grad_wrt=(0,), grad_seed=output_gradient)
    return model, twin


@pytest.mark.exercise(SIGN_STEP)
def test_sign_step_moves_against_the_sign_of_the_derivative(submission):
    got = submission.call(SIGN_STEP, 1.0, 2.5, 0.3)
    expect.number(got, 0.7, mistakes=mistakes.lazy(SIGN_STEP, 1.0, 2.5, 0.3))
    expect.number(submission.call(SIGN_STEP, 1.0, -2.5, 0.3), 1.3)


@pytest.mark.exercise(SIGN_STEP)
def test_sign_step_works_on_tensors(submission):
    expect.tensor(submission.call(SIGN_STEP, W, GRAD, 0.5), W - 0.5 * GRAD.sign(),
                  mistakes=mistakes.lazy(SIGN_STEP, W, GRAD, 0.5))


@pytest.mark.exercise(SIGN_STEP)
def test_sign_step_does_not_move_where_the_derivative_is_zero(submission):
    expect.number(submission.call(SIGN_STEP, 1.0, 0.0, 0.3), 1.0)


@pytest.mark.exercise(SIGN_STEP)
@pytest.mark.property
def test_sign_step_does_not_modify_its_inputs(submission):
    expect.unchanged(submission.call(SIGN_STEP, W, GRAD, 0.5))


@pytest.mark.exercise(GRADIENT_STEP)
def test_gradient_step_moves_against_the_derivative(submission):
    expect.number(submission.call(GRADIENT_STEP, 0.0, -6.0, 0.1), 0.6,
                  mistakes=mistakes.lazy(GRADIENT_STEP, 0.0, -6.0, 0.1))


@pytest.mark.exercise(GRADIENT_STEP)
def test_gradient_step_works_on_tensors(submission):
    expect.tensor(submission.call(GRADIENT_STEP, W, GRAD, 0.1), W - 0.1 * GRAD,
                  mistakes=mistakes.lazy(GRADIENT_STEP, W, GRAD, 0.1))


@pytest.mark.exercise(GRADIENT_STEP)
@pytest.mark.property
def test_gradient_step_does_not_modify_its_inputs(submission):
    expect.unchanged(submission.call(GRADIENT_STEP, W, GRAD, 0.1))


@pytest.mark.exercise(DESCEND)
def test_descend_lists_every_point_from_w0(submission):
    expect.numbers(submission.call(DESCEND, DF, 0.0, 0.1, 2), [0.0, 0.6, 1.08],
                   mistakes=mistakes.lazy(DESCEND, standard.polynomial_derivative(PARABOLA), 0.0, 0.1, 2))


@pytest.mark.exercise(DESCEND)
def test_descend_reaches_the_minimum_of_a_parabola(submission):
    expect.numbers(submission.call(DESCEND, DF, 10.0, 0.1, 60), descent(10.0, 0.1, 60))


@pytest.mark.exercise(DESCEND)
def test_descend_with_no_steps_is_just_w0(submission):
    expect.numbers(submission.call(DESCEND, DF, -4.0, 0.1, 0), [-4.0])


@pytest.mark.exercise(GRADIENTS)
def test_gradients_equal_torchs_backward(submission):
    model, twin = standard.twins(submission, LAYERS)
    got = expect.parts(submission.call(GRADIENTS, twin, X, Y, CROSS_ENTROPY), NAMES)
    for part, want in zip(got, standard.loss_gradients(model, X, Y, nn.CrossEntropyLoss())):
        expect.tensor(part, want)


@pytest.mark.exercise(GRADIENTS)
def test_gradients_twice_gives_the_same_answer(submission):
    model, twin = standard.twins(submission, LAYERS, seed=1)
    expect.result(submission.call(GRADIENTS, twin, X, Y, CROSS_ENTROPY))
    got = expect.parts(submission.call(GRADIENTS, twin, X, Y, CROSS_ENTROPY), NAMES)
    known = mistakes.lazy(GRADIENTS, model, X, Y, nn.CrossEntropyLoss())
    for i, (part, want) in enumerate(zip(got, standard.loss_gradients(model, X, Y, nn.CrossEntropyLoss()))):
        expect.tensor(part, want, mistakes=mistakes.item(known, i))


@pytest.mark.exercise(GRADIENTS)
def test_gradients_work_with_any_loss(submission):
    layers = [linear(4, 2)]
    model, twin = standard.twins(submission, layers, seed=2)
    truth = torch.linspace(-1.0, 1.0, 10).reshape(5, 2)
    nn.MSELoss()(model(X), truth).backward()
    got = expect.parts(submission.call(GRADIENTS, twin, X, truth, Spec("loss", {"name": "MSELoss"})),
                       ["0.weight", "0.bias"])
    for part, param in zip(got, model.parameters()):
        expect.tensor(part, param.grad)


@pytest.mark.exercise(GRADIENTS)
@pytest.mark.property
def test_gradients_are_copies_that_stay_when_the_model_is_cleared(submission):
    _, twin = standard.twins(submission, LAYERS, seed=3)
    out = submission.call(GRADIENTS, twin, X, Y, CROSS_ENTROPY, keep=True)
    expect.parts(out, NAMES)
    submission.call(twin, method="zero_grad", set_to_none=False)  # clears every .grad in place
    expect.stays(out, submission.fetch(out.kept), "model.zero_grad(set_to_none=False)",
                 N_("Your list holds the model's own .grad tensors (or views of them), which change "
                    "whenever the model's gradients do: return copies, p.grad.detach().clone()."))


@pytest.mark.exercise(GRADIENTS)
@pytest.mark.property
def test_gradients_leave_the_weights_as_they_were(submission):
    model, twin = standard.twins(submission, LAYERS)
    out = submission.call(GRADIENTS, twin, X, Y, CROSS_ENTROPY)
    expect.unchanged(out)
    expect.state(out, submission.state(twin), standard.state(model))


@pytest.mark.exercise(SGD_STEP)
def test_sgd_step_equals_torchs_sgd(submission):
    model, twin = with_gradients(submission)
    known, before = mistakes.for_call(SGD_STEP, model, LR), standard.state(model)
    torch.optim.SGD(model.parameters(), lr=LR).step()
    out = submission.call(SGD_STEP, twin, LR)
    expect.state(out, submission.state(twin), standard.state(model), mistakes=known, before=before)


@pytest.mark.exercise(SGD_STEP)
def test_sgd_step_makes_the_loss_fall(submission):
    model, twin = with_gradients(submission)
    loss_before = nn.CrossEntropyLoss()(model(X), Y).item()
    out = submission.call(SGD_STEP, twin, LR)
    expect.result(out)
    model.load_state_dict(submission.state(twin))
    loss_after = nn.CrossEntropyLoss()(model(X), Y).item()
    if not loss_after < loss_before:
        expect.fail(out, _("a loss below {loss:.4f} after the step").format(loss=loss_before),
                    f"{loss_after:.4f}",
                    _("Each parameter should move against its gradient: p <- p - lr * p.grad."))


@pytest.mark.exercise(SGD_STEP)
def test_sgd_step_skips_parameters_without_a_gradient(submission):
    model, twin = standard.twins(submission, LAYERS)
    out = submission.call(SGD_STEP, twin, LR)
    expect.state(out, submission.state(twin), standard.state(model))

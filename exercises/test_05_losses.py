"""Public checks for 05_losses: the article's numbers, shapes, gradients and stability.

Run them with `nnkit check 05` (or `pytest exercises/test_05_losses.py`). Each check calls your
function through `student.call(...)` and compares the answer with torch's own loss.
"""

import pytest
import torch
import torch.nn.functional as F

from nnkit.harness import expect, mistakes, standard
from nnkit.i18n.course import N_

MSE, BCE, CE, ONE_HOT = "05_losses.mse", "05_losses.bce", "05_losses.cross_entropy", "05_losses.one_hot"

# The article's examples: regression (mse), binary (bce) and multiclass (cross_entropy).
REG_Y_HAT, REG_Y = torch.tensor([[0.6], [0.2], [0.5]]), torch.tensor([[0.5], [1.5], [0.7]])
BIN_Y_HAT, BIN_Y = torch.tensor([[0.9], [0.3], [0.2]]), torch.tensor([[1.0], [1.0], [0.0]])
LOGITS, TARGET = torch.tensor([[-1.2, 2.2, 0.2], [2.3, 0.2, 0.7], [0.9, -2.2, -1.2]]), torch.tensor([1, 2, 0])

# Inputs with no pattern, of shape (N,) for mse and bce and (N, K) for cross_entropy.
PREDICTIONS = torch.tensor([0.15, 0.8, 0.35, 0.6, 0.95, 0.05])
TRUTH = torch.tensor([1.0, 1.0, 0.0, 0.0, 1.0, 0.0])
MANY_LOGITS = torch.linspace(-3.0, 4.0, 20).reshape(5, 4).roll(7)
MANY_TARGET = torch.tensor([3, 0, 2, 1, 1])

# Large logits: exp(1000) overflows float32, the loss must not.
HUGE_LOGITS, HUGE_TARGET = torch.tensor([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 0.0]]), torch.tensor([1, 1])


def check_gradient(submission, exercise, torch_loss, *inputs):
    """The gradient of the student's loss with respect to its first input equals torch's."""
    expect.gradients(submission.call(exercise, *inputs, grad_wrt=(0,)),
                     standard.gradients(torch_loss, *inputs), [N_("the prediction")])


@pytest.mark.exercise(MSE)
def test_mse_of_the_articles_example_is_0_58(submission):
    expect.tensor(submission.call(MSE, REG_Y_HAT, REG_Y), torch.tensor(0.58),
                  mistakes=mistakes.lazy(MSE, REG_Y_HAT, REG_Y))


@pytest.mark.exercise(MSE)
def test_mse_equals_torchs_mse_loss(submission):
    expect.tensor(submission.call(MSE, PREDICTIONS, TRUTH), F.mse_loss(PREDICTIONS, TRUTH),
                  mistakes=mistakes.lazy(MSE, PREDICTIONS, TRUTH))


@pytest.mark.exercise(MSE)
@pytest.mark.property
def test_mse_is_differentiable(submission):
    check_gradient(submission, MSE, F.mse_loss, PREDICTIONS, TRUTH)


@pytest.mark.exercise(MSE)
@pytest.mark.property
def test_mse_does_not_modify_its_inputs(submission):
    expect.unchanged(submission.call(MSE, REG_Y_HAT, REG_Y))


@pytest.mark.exercise(BCE)
def test_bce_of_the_articles_example_is_0_5108(submission):
    expect.tensor(submission.call(BCE, BIN_Y_HAT, BIN_Y), F.binary_cross_entropy(BIN_Y_HAT, BIN_Y),
                  mistakes=mistakes.lazy(BCE, BIN_Y_HAT, BIN_Y))


@pytest.mark.exercise(BCE)
def test_bce_equals_torchs_bce_loss(submission):
    expect.tensor(submission.call(BCE, PREDICTIONS, TRUTH), F.binary_cross_entropy(PREDICTIONS, TRUTH),
                  mistakes=mistakes.lazy(BCE, PREDICTIONS, TRUTH))


@pytest.mark.exercise(BCE)
def test_bce_clamps_each_log_at_minus_100_like_torch(submission):
    tiny = torch.tensor([1e-44, 0.5])  # log(1e-44) is about -101: torch counts it as -100
    truth = torch.tensor([1.0, 0.0])
    expect.tensor(submission.call(BCE, tiny, truth), F.binary_cross_entropy(tiny, truth),
                  mistakes=mistakes.lazy(BCE, tiny, truth))


@pytest.mark.exercise(BCE)
@pytest.mark.property
def test_bce_is_differentiable(submission):
    check_gradient(submission, BCE, F.binary_cross_entropy, PREDICTIONS, TRUTH)


@pytest.mark.exercise(BCE)
@pytest.mark.property
def test_bce_does_not_modify_its_inputs(submission):
    expect.unchanged(submission.call(BCE, BIN_Y_HAT, BIN_Y))


@pytest.mark.exercise(CE)
def test_cross_entropy_of_the_articles_example_is_0_7306(submission):
    expect.tensor(submission.call(CE, LOGITS, TARGET), F.cross_entropy(LOGITS, TARGET),
                  mistakes=mistakes.lazy(CE, LOGITS, TARGET))


@pytest.mark.exercise(CE)
def test_cross_entropy_equals_torchs_cross_entropy_loss(submission):
    expect.tensor(submission.call(CE, MANY_LOGITS, MANY_TARGET), F.cross_entropy(MANY_LOGITS, MANY_TARGET),
                  mistakes=mistakes.lazy(CE, MANY_LOGITS, MANY_TARGET))


@pytest.mark.exercise(CE)
def test_cross_entropy_is_stable_for_large_logits(submission):
    expect.tensor(submission.call(CE, HUGE_LOGITS, HUGE_TARGET), F.cross_entropy(HUGE_LOGITS, HUGE_TARGET))


@pytest.mark.exercise(CE)
@pytest.mark.property
def test_cross_entropy_is_differentiable(submission):
    check_gradient(submission, CE, F.cross_entropy, MANY_LOGITS, MANY_TARGET)


@pytest.mark.exercise(CE)
@pytest.mark.property
def test_cross_entropy_does_not_modify_its_inputs(submission):
    expect.unchanged(submission.call(CE, LOGITS, TARGET))


@pytest.mark.exercise(ONE_HOT)
def test_one_hot_of_the_articles_classes(submission):
    expect.tensor(submission.call(ONE_HOT, TARGET, 3), F.one_hot(TARGET, 3).float(),
                  mistakes=mistakes.lazy(ONE_HOT, TARGET, 3))


@pytest.mark.exercise(ONE_HOT)
def test_one_hot_has_num_classes_columns(submission):
    classes = torch.tensor([0, 2, 2])
    expect.tensor(submission.call(ONE_HOT, classes, 5), F.one_hot(classes, 5).float(),
                  mistakes=mistakes.lazy(ONE_HOT, classes, 5))


@pytest.mark.exercise(ONE_HOT)
@pytest.mark.property
def test_one_hot_does_not_modify_its_input(submission):
    expect.unchanged(submission.call(ONE_HOT, MANY_TARGET, 4))

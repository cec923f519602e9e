"""Public checks for 06_metrics: MAPE and accuracy in percent, on the article's examples.

Run them with `nnkit check 06` (or `pytest exercises/test_06_metrics.py`). Each check calls your
function through `student.call(...)` and compares the number it returns with the article's, or
with the formula computed by torch on the same input.
"""

import pytest
import torch

from nnkit.harness import expect, mistakes
from nnkit.harness.standard import percent
from nnkit.i18n.course import N_

MAPE, BINARY_ACCURACY, MULTICLASS_ACCURACY = (
    "06_metrics.mape", "06_metrics.binary_accuracy", "06_metrics.multiclass_accuracy")

# The article's examples: regression (mape), binary and multiclass classification (accuracy).
REG_Y_HAT, REG_Y = torch.tensor([[0.6], [0.2], [0.5]]), torch.tensor([[0.5], [1.5], [0.7]])
BIN_Y_HAT, BIN_Y = torch.tensor([[0.9], [0.3], [0.2]]), torch.tensor([[1.0], [1.0], [0.0]])
LOGITS, TARGET = torch.tensor([[-1.2, 2.2, 0.2], [2.3, 0.2, 0.7], [0.9, -2.2, -1.2]]), torch.tensor([1, 2, 0])

# More rows, with no pattern: 8 objects, 4 classes.
MANY_LOGITS = torch.linspace(-3.0, 4.0, 32).reshape(8, 4).roll(11)
MANY_TARGET = torch.tensor([3, 0, 2, 1, 1, 0, 3, 2])


def percent_error(y_hat, y):
    """MAPE's formula: the mean of |y - y_hat| / |y|, in percent."""
    return float(((y - y_hat).abs() / y.abs()).mean() * 100)


@pytest.mark.exercise(MAPE)
def test_mape_of_the_articles_example_is_45_0794(submission):
    got = submission.call(MAPE, REG_Y_HAT, REG_Y)
    expect.number(got, 45.0794, mistakes=mistakes.lazy(MAPE, REG_Y_HAT, REG_Y))


@pytest.mark.exercise(MAPE)
def test_mape_divides_by_the_size_of_negative_truths(submission):
    y_hat, y = torch.tensor([-1.0, 5.0, 2.5]), torch.tensor([-2.0, 4.0, 2.0])
    got = submission.call(MAPE, y_hat, y)
    expect.number(got, percent_error(y_hat, y), mistakes=mistakes.lazy(MAPE, y_hat, y))


@pytest.mark.exercise(MAPE)
def test_mape_raises_value_error_when_a_truth_is_zero(submission):
    expect.raises(submission.call(MAPE, REG_Y_HAT, torch.tensor([[0.5], [0.0], [0.7]])), "ValueError",
                  N_("a true value of 0 makes the percentage a division by zero"))


@pytest.mark.exercise(MAPE)
@pytest.mark.property
def test_mape_does_not_modify_its_inputs(submission):
    expect.unchanged(submission.call(MAPE, REG_Y_HAT, REG_Y))


@pytest.mark.exercise(BINARY_ACCURACY)
def test_binary_accuracy_of_the_articles_example_is_66_67(submission):
    expect.number(submission.call(BINARY_ACCURACY, BIN_Y_HAT, BIN_Y), 200 / 3,
                  mistakes=mistakes.lazy(BINARY_ACCURACY, BIN_Y_HAT, BIN_Y))


@pytest.mark.exercise(BINARY_ACCURACY)
def test_binary_accuracy_of_a_flat_column_of_probabilities(submission):
    y_hat, y = torch.tensor([0.1, 0.8, 0.6, 0.4, 0.97]), torch.tensor([0.0, 1.0, 0.0, 0.0, 1.0])
    expect.number(submission.call(BINARY_ACCURACY, y_hat, y), percent(y_hat.round() == y),
                  mistakes=mistakes.lazy(BINARY_ACCURACY, y_hat, y))
    expect.number(submission.call(BINARY_ACCURACY, y_hat, (y_hat > 0.5).float()), 100.0)


@pytest.mark.exercise(BINARY_ACCURACY)
@pytest.mark.property
def test_binary_accuracy_does_not_modify_its_inputs(submission):
    expect.unchanged(submission.call(BINARY_ACCURACY, BIN_Y_HAT, BIN_Y))


@pytest.mark.exercise(MULTICLASS_ACCURACY)
def test_multiclass_accuracy_of_the_articles_example_is_66_67(submission):
    expect.number(submission.call(MULTICLASS_ACCURACY, LOGITS, TARGET), 200 / 3,
                  mistakes=mistakes.lazy(MULTICLASS_ACCURACY, LOGITS, TARGET))


@pytest.mark.exercise(MULTICLASS_ACCURACY)
def test_multiclass_accuracy_equals_the_share_of_right_argmaxes(submission):
    expect.number(submission.call(MULTICLASS_ACCURACY, MANY_LOGITS, MANY_TARGET),
                  percent(MANY_LOGITS.argmax(dim=1) == MANY_TARGET),
                  mistakes=mistakes.lazy(MULTICLASS_ACCURACY, MANY_LOGITS, MANY_TARGET))
    expect.number(submission.call(MULTICLASS_ACCURACY, MANY_LOGITS.softmax(dim=1), MANY_TARGET),
                  percent(MANY_LOGITS.argmax(dim=1) == MANY_TARGET))


@pytest.mark.exercise(MULTICLASS_ACCURACY)
@pytest.mark.property
def test_multiclass_accuracy_does_not_modify_its_inputs(submission):
    expect.unchanged(submission.call(MULTICLASS_ACCURACY, LOGITS, TARGET))

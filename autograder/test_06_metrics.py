"""Hidden tests for 06_metrics: the public checks, then the contract's formulas on random batches
(negative and positive truths, shapes (N,) and (N, 1), one row, square score matrices), MAPE's
ValueError wherever a zero truth sits, and inputs left alone.
"""

import pytest

from autograder import cases, checks
from exercises.test_06_metrics import BINARY_ACCURACY, MAPE, MULTICLASS_ACCURACY
from nnkit.harness import expect
from nnkit.i18n.course import _

SHAPES = [(7,), (6, 1), (1,), (1, 1), (12,)]
REGRESSION = [(cases.values(s, i, scale=5.0), cases.values(s, i + 30, scale=5.0, away_from_zero=0.2))
              for i, s in enumerate(SHAPES)]
BINARY = [(cases.probabilities(s, i, edge=i == 0), cases.zeros_and_ones(s, i + 30))
          for i, s in enumerate(SHAPES)]
SCORES = [(cases.values((n, k), n * 10 + k), cases.classes(n, k, n + k))
          for n, k in [(8, 3), (4, 4), (1, 5), (10, 2)]]
# Raw scores and the same as probabilities: the same argmax.
CASES = {MAPE: REGRESSION, BINARY_ACCURACY: BINARY,
         MULTICLASS_ACCURACY: SCORES + [(logits.softmax(dim=1), y) for logits, y in SCORES]}


@checks.each(MAPE, BINARY_ACCURACY, MULTICLASS_ACCURACY)
def test_metric_of_random_batches(submission, exercise):
    checks.values(submission, exercise, CASES[exercise])


@checks.each(MAPE, BINARY_ACCURACY, MULTICLASS_ACCURACY)
@pytest.mark.property
def test_metric_leaves_random_batches_as_they_were(submission, exercise):
    checks.kept(submission, exercise, CASES[exercise][:2])


@pytest.mark.exercise(MAPE)
def test_mape_raises_value_error_wherever_a_truth_is_zero(submission):
    for y_hat, y in REGRESSION[:2] + REGRESSION[4:]:
        for at in (0, len(y) - 1):
            zeroed = y.clone()
            zeroed[at] = 0.0
            expect.raises(submission.call(MAPE, y_hat, zeroed), "ValueError",
                          _("y[{index}] is 0: the percentage would divide by zero").format(index=at))

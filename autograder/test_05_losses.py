"""Hidden tests for 05_losses: the public checks, then torch's own losses on random batches (one row
included; shapes (N,), (N, 1) and (N, K); probabilities within 1e-6 of 0 and 1; logits of ±1000),
gradients with respect to the prediction, inputs left alone, and no library loss inside.
"""

import pytest

from autograder import cases, checks, reference
from exercises.test_05_losses import BCE, CE, MSE, ONE_HOT
from nnkit.harness import expect, standard
from nnkit.i18n.course import N_

SHAPES = [(6,), (5, 1), (4, 3), (1,), (1, 1), (2, 3, 2)]
# (prediction, truth) pairs for mse: any real numbers.
REGRESSION = [(cases.values(s, i, zeros=True), cases.values(s, i + 20)) for i, s in enumerate(SHAPES)]
# (probabilities, 0/1 truth) for bce: the first with entries within 1e-6 of 0 and of 1.
BINARY = [(cases.probabilities(s, i, edge=i == 0), cases.zeros_and_ones(s, i + 20))
          for i, s in enumerate([(8,), (6, 1), (1,), (3, 2)])]
MODERATE = [(cases.probabilities(s, i + 40, edge=False), cases.zeros_and_ones(s, i + 60))
            for i, s in enumerate([(8,), (6, 1)])]
# (logits, classes) for cross_entropy: random sizes, one row, two classes; and huge logits.
CLASSIFICATION = [(cases.values((n, k), n * 10 + k, scale=4.0), cases.classes(n, k, n + k))
                  for n, k in [(5, 3), (8, 4), (1, 3), (6, 2), (3, 7)]]
HUGE = [(cases.huge(seed=1)[2], cases.classes(3, 4, 2)), (cases.huge(seed=1)[1], cases.classes(1, 3, 0))]
# (classes, num_classes) for one_hot: one row, one class, classes that do not all appear.
CLASSES = [(cases.classes(n, k, n * k), k) for n, k in [(6, 3), (10, 5), (1, 4), (3, 1), (4, 7)]]
# What each loss is checked on: values, gradients, inputs kept.
LOSSES = {MSE: (REGRESSION, REGRESSION[:4], REGRESSION[:3]), BCE: (BINARY + MODERATE, MODERATE, BINARY[:2]),
          CE: (CLASSIFICATION + HUGE, CLASSIFICATION[:4], CLASSIFICATION[:3])}

test_uses_no_forbidden_call = checks.forbidden_test("05_losses")


@checks.each(MSE, BCE, CE)
def test_loss_of_random_batches(submission, exercise):
    checks.values(submission, exercise, LOSSES[exercise][0])


@checks.each(MSE, BCE, CE)
@pytest.mark.property
def test_loss_gradients_of_random_batches(submission, exercise):
    """The gradient with respect to the prediction equals torch's loss's."""
    torch_loss = getattr(reference, exercise.split(".")[1])
    for pair in LOSSES[exercise][1]:
        got = submission.call(exercise, *pair, grad_wrt=(0,))
        expect.gradients(got, standard.gradients(torch_loss, *pair), [N_("the prediction")])


@checks.each(MSE, BCE, CE, ONE_HOT)
@pytest.mark.property
def test_loss_leaves_random_batches_as_they_were(submission, exercise):
    checks.kept(submission, exercise, CLASSES[:2] if exercise == ONE_HOT else LOSSES[exercise][2])


@pytest.mark.exercise(ONE_HOT)
def test_one_hot_of_random_classes(submission):
    checks.values(submission, ONE_HOT, CLASSES)

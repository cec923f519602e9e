"""Hidden tests for 08_training: the public checks, then split on random tables, train next to
torch's loop (SGD and Adam, cross-entropy and MSE, from fixed weights), accuracy on random models,
and fit_iris scored on rows it never saw.

fit_iris is called once per seed of `cases.FIT_SEEDS`: each seed draws its own 100 training rows
of the 150 (the other 50 are scored) and permutes the class labels, so that only the rows it is
given can teach it (a model that read the kit's data file itself learns the wrong labels); torch
is seeded with the seed in the worker. The model is put in eval mode and scores the 50 rows in
one batch under torch.no_grad(). Thresholds, from `python bench/fit_iris_thresholds.py` (this
protocol, single-threaded; one run = one seed's split and training):

    recipe                    one run: min / p1 / p5 / median     mean of 3 runs: min / p1 / p5     s a fit
    reference (Adam, scaled)  88 / 90 / 92 / 96   (150 runs)      92 / 92 / 93.3                    0.09
    the article's recipe      60 / 70 / 86 / 96   (600 runs)      P(mean < 85) = 0.6%, P(< 80) = 0.03%   0.27
      (SGD lr 0.01, 500 steps, raw features)                      P(some run < 65) = 0.5%

So: the mean over the 3 seeds must reach MEAN_MINIMUM (85%) and every seed EACH_MINIMUM (65%); the
reference scores 100, 90 and 98 on the hidden seeds, the article's recipe 100, 88 and 94, a model
that was never trained about 33%. Each fit must also stay within the processor time of the public
checks' `fit_budget()` (see exercises/test_08_training.py): measured on the student side after
torch's start-up, so a busy or slow machine charges nothing; a fit that uses twice that is stopped.
"""

import statistics
from dataclasses import dataclass

import pytest
import torch
from torch import nn

from autograder import cases, checks
from exercises.test_08_training import (
    ACCURACY,
    FIT_IRIS,
    LOAD_IRIS,
    SPLIT,
    SPLIT_PARTS,
    TRAIN,
    fit_budget,
    time_advice,
)
from nnkit.harness import expect, standard
from nnkit.harness.standard import RELU, linear
from nnkit.i18n.course import N_, _, ngettext
from nnkit.submission.proxy import Outcome
from nnkit.wire.codec import Handle, Spec

MEAN_MINIMUM, EACH_MINIMUM = 85.0, 65.0
RECIPES = [  # (layers, seed, loss name, optimizer name, lr, steps), trained on TABLE
    ([linear(4, 8), RELU, linear(8, 3)], 21, "CrossEntropyLoss", "SGD", 0.05, 7),
    ([linear(4, 5), RELU, linear(5, 3)], 22, "CrossEntropyLoss", "Adam", 0.01, 12),
    ([linear(4, 6), RELU, linear(6, 2)], 23, "MSELoss", "SGD", 0.02, 5),
    ([linear(4, 3)], 24, "CrossEntropyLoss", "SGD", 0.1, 1),
]
TABLE = cases.values((30, 4), 5, scale=2.0)


@dataclass
class Fit:
    """One call of fit_iris: its outcome (with the processor time it used) and the rows it never saw."""

    seed: int
    out: Outcome
    X_test: torch.Tensor
    y_test: torch.Tensor


@pytest.fixture(scope="module")
def fits(submission, data_dir) -> list[Fit]:
    """fit_iris on each seed's 100 training rows, torch seeded with the seed."""
    found = []
    for seed in cases.FIT_SEEDS:
        X_train, X_test, y_train, y_test = cases.iris_split(seed, data_dir)
        out = submission.call(FIT_IRIS, X_train, y_train, seed=seed, cpu_limit=2 * fit_budget())
        found.append(Fit(seed, out, X_test, y_test))
    return found


def scores(submission, fit: Fit) -> tuple[Outcome, torch.Tensor]:
    """The fitted model's class scores for the 50 rows it never saw (eval mode, no_grad)."""
    model: Handle = expect.module(fit.out, N_("a trained torch.nn.Module"))
    out = submission.call(model, fit.X_test, eval_no_grad=True)
    return out, expect.shaped(out, (len(fit.X_test), 3), what=N_("3 class scores per flower"))


def accuracies(submission, fits: list[Fit]) -> list[tuple[Outcome, float]]:
    found = []
    for fit in fits:
        out, got = scores(submission, fit)
        found.append((out, standard.percent(got.argmax(dim=1) == fit.y_test)))
    return found


def optimizer_spec(name, twin, lr):
    return Spec("optimizer", {"name": name, "model": twin, "lr": lr})


def make_optimizer(name, lr):
    return lambda parameters: getattr(torch.optim, name)(parameters, lr=lr)


def truth_for(loss_name, layers, seed):
    width = layers[-1]["out_features"]
    return cases.classes(len(TABLE), width, seed) if loss_name == "CrossEntropyLoss" else \
        cases.values((len(TABLE), width), seed)


@pytest.mark.exercise(LOAD_IRIS)
def test_load_iris_returns_all_the_kits_rows(submission, data_dir):
    where = checks.Twin((Spec("data_dir", {}),), (data_dir,))
    checks.values(submission, LOAD_IRIS, [where], labels=["X", "y"])


@pytest.mark.exercise(SPLIT)
def test_split_of_random_tables(submission):
    tables = [(cases.values((n, 3), n), cases.classes(n, 3, n_train), n_train)
              for n, n_train in [(30, 20), (12, 1), (12, 11), (8, 0), (8, 8), (150, 100)]]
    checks.values(submission, SPLIT, tables, labels=SPLIT_PARTS)
    whole_iris_size = [(X, y) for X, y, _n_train in tables if len(X) == 150]
    checks.values(submission, SPLIT, whole_iris_size, labels=SPLIT_PARTS)


@pytest.mark.exercise(SPLIT)
@pytest.mark.property
def test_split_leaves_random_tables_as_they_were(submission):
    expect.unchanged(submission.call(SPLIT, cases.values((12, 3), 1), cases.classes(12, 3, 2), n_train=5))


@pytest.mark.exercise(TRAIN)
def test_train_returns_torchs_losses_for_other_losses_and_optimizers(submission):
    runs = []
    for layers, seed, loss_name, optimizer, lr, steps in RECIPES:
        model, twin = standard.twins(submission, layers, seed)
        truth = truth_for(loss_name, layers, seed)
        loss_spec, optimizer_of_twin = Spec("loss", {"name": loss_name}), optimizer_spec(optimizer, twin, lr)
        runs.append(checks.Twin(
            (twin, TABLE, truth, loss_spec, optimizer_of_twin, steps),
            (model, TABLE, truth, getattr(nn, loss_name)(), make_optimizer(optimizer, lr), steps)))
    checks.values(submission, TRAIN, runs)


@pytest.mark.exercise(TRAIN)
def test_train_leaves_the_model_where_torchs_loop_does(submission):
    for layers, seed, loss_name, optimizer, lr, steps in RECIPES:
        model, twin = standard.twins(submission, layers, seed)
        truth = truth_for(loss_name, layers, seed)
        standard.training(model, TABLE, truth, getattr(nn, loss_name)(), make_optimizer(optimizer, lr), steps)
        out = submission.call(TRAIN, twin, TABLE, truth, Spec("loss", {"name": loss_name}),
                           optimizer_spec(optimizer, twin, lr), steps)
        expect.state(out, submission.state(twin), standard.state(model))


@pytest.mark.exercise(ACCURACY)
def test_accuracy_of_random_models(submission):
    runs = []
    for seed, (n, width) in enumerate([(30, 3), (3, 3), (5, 5), (1, 4), (12, 2)]):
        model, twin = standard.twins(submission, [linear(4, 5), RELU, linear(5, width)], seed)
        X, y = cases.values((n, 4), seed), cases.classes(n, width, seed)
        runs.append(checks.Twin((twin, X, y), (model, X, y)))
    checks.values(submission, ACCURACY, runs)


@pytest.mark.exercise(FIT_IRIS)
def test_fit_iris_gives_3_class_scores_on_every_split(submission, fits):
    for fit in fits:
        scores(submission, fit)


@pytest.mark.exercise(FIT_IRIS)
def test_fit_iris_scores_on_average_on_rows_it_never_saw(submission, fits, request):
    found = accuracies(submission, fits)
    mean = statistics.mean(right for _, right in found)
    request.node.user_properties.append((N_("held-out accuracy (%)"), round(mean, 2)))  # for the class report
    each = ", ".join(f"{right:.0f}%" for _, right in found)
    splits = len(found)
    label = ngettext("the mean accuracy over {count} splits ({each})",
                     "the mean accuracy over {count} splits ({each})", splits).format(count=splits, each=each)
    what = ngettext("a mean accuracy on held-out rows over {count} splits",
                    "a mean accuracy on held-out rows over {count} splits", splits).format(count=splits)
    expect.at_least(expect.part(found[0][0], mean, label), MEAN_MINIMUM, what,
                    N_("fit_iris was trained on 100 rows of each split and scored on the other 50. Make "
                       "the recipe reliable: standardise the features inside the model, use Adam, or more "
                       "steps."))


@pytest.mark.exercise(FIT_IRIS)
def test_fit_iris_scores_on_every_split(submission, fits):
    for (out, right), fit in zip(accuracies(submission, fits), fits):
        expect.at_least(expect.part(out, right, _("the percent of split {seed}'s 50 held-out rows it "
                                                  "classified right").format(seed=fit.seed)),
                        EACH_MINIMUM, N_("an accuracy on every split"),
                        N_("A recipe that sometimes fails to learn depends on luck: standardise the "
                           "features, or use Adam; check the training loop clears the gradients."))


@pytest.mark.exercise(FIT_IRIS)
@pytest.mark.property
def test_fit_iris_trains_within_the_time_limit(submission, fits):
    for fit in fits:
        expect.module(fit.out, N_("a trained torch.nn.Module"))
        expect.within(fit.out, fit_budget(), time_advice())


@pytest.mark.exercise(FIT_IRIS)
@pytest.mark.property
def test_fit_iris_leaves_the_training_rows_of_every_split_as_they_were(submission, fits):
    for fit in fits:
        expect.unchanged(fit.out)

"""Public checks for 08_training: loading and splitting iris, the training loop, accuracy, fit_iris.

Run them with `nnkit check 08` (or `pytest exercises/test_08_training.py`). `train` runs next to
torch's own loop from the same weights; `accuracy` is measured on the article's recipe trained by
your `train`; `fit_iris` is trained once (seed 0) and scored on the 50 rows it never saw.
"""

import functools
from pathlib import Path

import pytest
import torch
from torch import nn

from nnkit.course import layout
from nnkit.harness import expect, mistakes, standard
from nnkit.harness.standard import RELU, linear
from nnkit.i18n.course import N_, _
from nnkit.wire.codec import Spec

LOAD_IRIS, SPLIT, TRAIN, ACCURACY, FIT_IRIS = (
    "08_training.load_iris", "08_training.split", "08_training.train", "08_training.accuracy",
    "08_training.fit_iris")

# What load_iris returns: (shape, dtype, what it is), and the article's first flowers.
FLOWERS = (150, 4), torch.float32, N_("150 flowers with 4 features")
CLASSES = (150,), torch.int64, N_("150 classes")
FIRST_ROWS = torch.tensor([[7.4, 2.8, 6.1, 1.9], [6.7, 3.1, 5.6, 2.4], [6.0, 3.4, 4.5, 1.6]])
FIRST_CLASSES = torch.tensor([2, 2, 1])

# 150 rows that show where each one went, a value for each, and what split returns.
ROWS, VALUES = torch.arange(600.0).reshape(150, 4), torch.arange(1000.0, 1150.0)
SPLIT_PARTS = ["X_train", "X_val", "y_train", "y_val"]

# The article's recipe: 4 features -> 16 -> 3 classes, cross-entropy, SGD with lr 0.01, 500 steps.
LAYERS = [linear(4, 16), RELU, linear(16, 3)]
CROSS_ENTROPY = Spec("loss", {"name": "CrossEntropyLoss"})
LR, STEPS = 0.01, 500

# From the weights drawn with seed 0, torch's own loop reaches 98% (49 of 50 validation flowers),
# and so do correct train and accuracy functions. Over 100 random starts the recipe's median is
# 96%, its 10th percentile 92% and its minimum 64%: hence fixed weights, and 90% to spare rounding.
RECIPE_MINIMUM = 90.0
# fit_iris is the student's own recipe, trained from seed 0; the reference reaches about 95%.
FIT_MINIMUM = 85.0
# fit_iris may compute for as long as FIT_BUDGET_STEPS steps of the article's model trained with Adam
# on 100 rows take on the same machine, in processor time after torch's start-up (so a busy or slow
# machine charges nothing): a few hundred steps of a wider model fit, ten thousand never do. A fit that
# uses twice that is stopped. The reference takes about 120 steps.
FIT_BUDGET_STEPS, CALIBRATION_STEPS = 2000, 100
TIME_ADVICE = N_("fit_iris may compute for as long as {steps} full-batch steps of Adam on the article's "
                 "model take (torch's start-up and a busy machine are not counted): use fewer steps or a "
                 "smaller model; a few hundred steps of Adam are plenty.")


def time_advice() -> str:
    """TIME_ADVICE in the language of the run."""
    return _(TIME_ADVICE).format(steps=FIT_BUDGET_STEPS)


@functools.cache
def fit_budget() -> float:
    """The processor seconds fit_iris may use, measured on this machine (once per process)."""
    X, y = torch.linspace(-2.0, 2.0, 400).reshape(100, 4), torch.arange(100) % 3
    cost = standard.training_cost(LAYERS, X, y, nn.CrossEntropyLoss(), adam, CALIBRATION_STEPS)
    return cost * FIT_BUDGET_STEPS / CALIBRATION_STEPS


@pytest.fixture(scope="module")
def data_dir(request):
    """The folder of data.pt and target.pt (the grader's, or the kit's)."""
    option = request.config.getoption("--nnkit-data", default=None)
    return Path(option) if option else layout.data_dir(layout.exercises_dir())


@pytest.fixture(scope="module")
def iris(data_dir):
    """The kit's iris rows, loaded here: (X_train, X_val, y_train, y_val), split 100 / 50."""
    X, y = standard.iris(data_dir)
    return X[:100], X[100:], y[:100], y[100:]


@functools.cache
def articles_recipe_trained_by_torch(data_dir: Path) -> dict:
    """The article's recipe from the weights of seed 0, after torch's own 500 steps: its state.

    Checks' side only (no student code), so it is computed once per process and kept."""
    X, y = standard.iris(data_dir)
    model = standard.sequential(LAYERS, seed=0)
    standard.training(model, X[:100], y[:100], nn.CrossEntropyLoss(), sgd, STEPS)
    return standard.state(model)


@pytest.fixture(scope="module")
def fitted(submission, iris):
    """fit_iris, called once on the training rows with torch seeded with 0."""
    X_train, _, y_train, _ = iris
    return submission.call(FIT_IRIS, X_train, y_train, seed=0, cpu_limit=2 * fit_budget())


def optimizer_for(twin):
    """torch.optim.SGD over the parameters of a model that lives on the student side."""
    return Spec("optimizer", {"name": "SGD", "model": twin, "lr": LR})


def sgd(parameters):
    """The article's optimizer, on the checks' side."""
    return torch.optim.SGD(parameters, lr=LR)


def adam(parameters):
    return torch.optim.Adam(parameters, lr=LR)


@pytest.mark.exercise(LOAD_IRIS)
def test_load_iris_returns_150_flowers_with_4_features_and_a_class(submission):
    X, y = expect.parts(submission.call(LOAD_IRIS, Spec("data_dir", {})), ["X", "y"])
    expect.shaped(X, *FLOWERS)
    expect.shaped(y, *CLASSES)


@pytest.mark.exercise(LOAD_IRIS)
def test_load_iris_starts_with_the_articles_first_flowers(submission):
    X, y = expect.parts(submission.call(LOAD_IRIS, Spec("data_dir", {})), ["X", "y"])
    expect.tensor(expect.part(X, expect.shaped(X, *FLOWERS)[:3], "X[:3]"), FIRST_ROWS)
    expect.tensor(expect.part(y, expect.shaped(y, *CLASSES)[:3], "y[:3]"), FIRST_CLASSES)


@pytest.mark.exercise(LOAD_IRIS)
def test_load_iris_accepts_the_folder_as_a_string(submission, iris):
    X, y = expect.parts(submission.call(LOAD_IRIS, Spec("data_dir", {"as_str": True})), ["X", "y"])
    X_train, X_val, y_train, y_val = iris
    expect.tensor(X, torch.cat([X_train, X_val]))
    expect.tensor(y, torch.cat([y_train, y_val]))


@pytest.mark.exercise(SPLIT)
def test_split_keeps_the_first_100_rows_for_training(submission):
    got = expect.parts(submission.call(SPLIT, ROWS, VALUES), SPLIT_PARTS)
    known = mistakes.lazy(SPLIT, ROWS, VALUES)
    for i, (part, want) in enumerate(zip(got, [ROWS[:100], ROWS[100:], VALUES[:100], VALUES[100:]])):
        expect.tensor(part, want, mistakes=mistakes.item(known, i))


@pytest.mark.exercise(SPLIT)
def test_split_uses_n_train(submission):
    got = expect.parts(submission.call(SPLIT, ROWS, VALUES, n_train=120), SPLIT_PARTS)
    known = mistakes.lazy(SPLIT, ROWS, VALUES, n_train=120)
    for i, (part, want) in enumerate(zip(got, [ROWS[:120], ROWS[120:], VALUES[:120], VALUES[120:]])):
        expect.tensor(part, want, mistakes=mistakes.item(known, i))


@pytest.mark.exercise(SPLIT)
@pytest.mark.property
def test_split_does_not_modify_its_inputs(submission):
    expect.unchanged(submission.call(SPLIT, ROWS, VALUES))


@pytest.mark.exercise(TRAIN)
def test_train_returns_the_loss_of_every_step_like_torchs_loop(submission, iris):
    X_train, _, y_train, _ = iris
    model, twin = standard.twins(submission, LAYERS, seed=3)
    known = mistakes.for_call(TRAIN, model, X_train, y_train, nn.CrossEntropyLoss(), sgd, 5)
    expect.numbers(submission.call(TRAIN, twin, X_train, y_train, CROSS_ENTROPY, optimizer_for(twin), 5),
                   standard.training(model, X_train, y_train, nn.CrossEntropyLoss(), sgd, 5), mistakes=known)


@pytest.mark.exercise(TRAIN)
def test_train_makes_the_loss_fall_on_iris(submission, iris):
    X_train, _, y_train, _ = iris
    _, twin = standard.twins(submission, LAYERS, seed=0)
    expect.falling(submission.call(TRAIN, twin, X_train, y_train, CROSS_ENTROPY, optimizer_for(twin), 50), 50,
                   N_("Each step: loss_fn(model(X), y), backward(), optimizer.step(), and clear the "
                      "gradients."))


@pytest.mark.exercise(TRAIN)
def test_train_updates_the_model_like_torchs_loop(submission, iris):
    X_train, _, y_train, _ = iris
    model, twin = standard.twins(submission, LAYERS, seed=4)
    standard.training(model, X_train, y_train, nn.CrossEntropyLoss(), sgd, 20)
    out = submission.call(TRAIN, twin, X_train, y_train, CROSS_ENTROPY, optimizer_for(twin), 20)
    expect.state(out, submission.state(twin), standard.state(model))


@pytest.mark.exercise(TRAIN)
def test_train_with_no_steps_returns_no_losses(submission, iris):
    X_train, _, y_train, _ = iris
    _, twin = standard.twins(submission, LAYERS)
    expect.numbers(submission.call(TRAIN, twin, X_train, y_train, CROSS_ENTROPY, optimizer_for(twin), 0), [])


@pytest.mark.exercise(ACCURACY)
def test_accuracy_is_the_percent_of_rows_classified_right(submission, iris):
    _, X_val, _, y_val = iris
    model, twin = standard.twins(submission, LAYERS, seed=5)
    want = standard.percent(model(X_val).argmax(dim=1) == y_val)
    expect.number(submission.call(ACCURACY, twin, X_val, y_val), want,
                  mistakes=mistakes.lazy(ACCURACY, model, X_val, y_val))


@pytest.mark.exercise(ACCURACY)
@pytest.mark.property
def test_accuracy_leaves_the_model_and_the_rows_as_they_were(submission, iris):
    _, X_val, _, y_val = iris
    model, twin = standard.twins(submission, LAYERS, seed=6)
    out = submission.call(ACCURACY, twin, X_val, y_val)
    expect.unchanged(out)
    expect.state(out, submission.state(twin), standard.state(model))


@pytest.mark.exercise(ACCURACY)
@pytest.mark.property
def test_accuracy_runs_the_model_without_gradient_tracking(submission, iris):
    _, X_val, _, y_val = iris
    _, twin = standard.twins(submission, LAYERS, seed=5)
    probe = submission.build("probe", model=twin)  # records torch.is_grad_enabled() at each forward pass
    out = submission.call(ACCURACY, probe, X_val, y_val)
    expect.untracked(out, submission.fetch(probe, "grad_enabled"))


@pytest.mark.exercise(ACCURACY)
def test_accuracy_of_the_articles_recipe_trained_by_torch(submission, iris, data_dir):
    _, X_val, _, y_val = iris
    model = standard.sequential(LAYERS)
    model.load_state_dict(articles_recipe_trained_by_torch(data_dir))
    with torch.no_grad():
        right = standard.percent(model(X_val).argmax(dim=1) == y_val)  # 98%: 49 of the 50
    twin = submission.build("module", layers=LAYERS, state=standard.state(model))
    expect.number(submission.call(ACCURACY, twin, X_val, y_val), right,
                  mistakes=mistakes.lazy(ACCURACY, model, X_val, y_val))


@pytest.mark.exercise(TRAIN)
def test_train_of_the_articles_recipe_classifies_the_validation_flowers(submission, iris):
    X_train, X_val, y_train, y_val = iris
    model, twin = standard.twins(submission, LAYERS, seed=0)
    trained = submission.call(TRAIN, twin, X_train, y_train, CROSS_ENTROPY, optimizer_for(twin), STEPS)
    losses = expect.falling(trained, STEPS)
    model.load_state_dict(submission.state(twin))
    with torch.no_grad():
        right = standard.percent(model(X_val).argmax(dim=1) == y_val)
    label = N_("the percent of the 50 validation flowers it then classifies right")
    advice = _("Your train() ran {steps} steps of SGD (lr {lr}) from fixed weights; its loss went from "
               "{first:.3f} to {last:.3f}. torch's own loop reaches 98% from the same weights.").format(
                   steps=STEPS, lr=LR, first=losses[0], last=losses[-1])
    expect.at_least(expect.part(trained, right, label), RECIPE_MINIMUM,
                    N_("an accuracy on the 50 validation flowers"), advice)


@pytest.mark.exercise(FIT_IRIS)
@pytest.mark.property
def test_fit_iris_returns_a_module(submission, fitted):
    expect.module(fitted, N_("a trained torch.nn.Module"))


@pytest.mark.exercise(FIT_IRIS)
def test_fit_iris_model_maps_raw_flowers_to_3_class_scores(submission, fitted, iris):
    _, X_val, _, _ = iris
    model = expect.module(fitted, N_("a trained torch.nn.Module"))
    expect.shaped(submission.call(model, X_val, eval_no_grad=True), (50, 3),
                  what=N_("3 class scores per flower"))


@pytest.mark.exercise(FIT_IRIS)
def test_fit_iris_classifies_the_validation_flowers(submission, fitted, iris):
    _, X_val, _, y_val = iris
    out = submission.call(expect.module(fitted, N_("a trained torch.nn.Module")), X_val, eval_no_grad=True)
    right = (expect.shaped(out, (50, 3)).argmax(dim=1) == y_val).float().mean().item() * 100
    expect.at_least(expect.part(out, right, N_("the percent of the 50 flowers it classified right")),
                    FIT_MINIMUM, N_("an accuracy on the 50 validation flowers"),
                    N_("Try standardising the features inside the model, Adam, or more steps; the model "
                       "is trained once with torch seeded with 0 and gets raw measurements."))


@pytest.mark.exercise(FIT_IRIS)
@pytest.mark.property
def test_fit_iris_trains_within_the_time_limit(submission, fitted):
    expect.module(fitted, N_("a trained torch.nn.Module"))
    expect.within(fitted, fit_budget(), time_advice())


@pytest.mark.exercise(FIT_IRIS)
@pytest.mark.property
def test_fit_iris_does_not_modify_the_training_rows(submission, fitted):
    expect.unchanged(fitted)

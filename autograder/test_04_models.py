"""Hidden tests for 04_models: the public checks (layers, output and gradients with torch's weights),
then each model's output shape and range from its own start on batches of 1 to 9 rows, its number
of trainable parameters, its output with other weights and inputs; count_parameters on random
stacks, with layers without bias and frozen parameters.
"""

import itertools
import math

import pytest
import torch

from autograder import cases, checks
from exercises.test_04_models import (
    ARTICLE_LAYERS,
    ARTICLE_MODEL,
    COUNT_PARAMETERS,
    SCHEMA_A,
    SCHEMA_A_LAYERS,
    SCHEMA_B,
    SCHEMA_B_LAYERS,
    SCHEMA_C,
    SCHEMA_C_LAYERS,
    check_layers,
)
from nnkit.harness import expect, standard
from nnkit.harness.show import show
from nnkit.harness.standard import RELU, SIGMOID, linear
from nnkit.i18n.course import N_, _, ngettext

MODELS = {ARTICLE_MODEL: ARTICLE_LAYERS, SCHEMA_A: SCHEMA_A_LAYERS, SCHEMA_B: SCHEMA_B_LAYERS,
          SCHEMA_C: SCHEMA_C_LAYERS}
PARAMETRIZE = checks.each(*MODELS)
ROWS = (1, 9)


def count(layers):
    return sum(p.numel() for p in standard.sequential(layers).parameters())


def in_range(out, got, exercise):
    """Schema B gives probabilities, schema C rows of probabilities that sum to 1."""
    if exercise == SCHEMA_B and not bool(((got >= 0) & (got <= 1)).all()):
        expect.fail(out, _("probabilities in [0, 1] (the model ends with Sigmoid)"), show(got))
    if exercise == SCHEMA_C and not torch.allclose(got.sum(dim=1), torch.ones(len(got)), atol=1e-5):
        expect.fail(out, _("rows of probabilities that sum to 1 (Softmax(dim=1) at the end)"),
                    _("row sums {sums}").format(sums=show(got.sum(dim=1))))


@PARAMETRIZE
def test_model_output_from_its_own_start_has_the_schemas_shape_and_range(submission, exercise):
    layers = MODELS[exercise]
    model = check_layers(submission, exercise, layers)
    for n in ROWS:
        out = submission.call(model, cases.values((n, layers[0]["in_features"]), n), eval_no_grad=True)
        what = ngettext("{rows} rows of outputs", "{rows} rows of outputs", n).format(rows=n)
        outputs = layers[-2 if exercise in (SCHEMA_B, SCHEMA_C) else -1]["out_features"]
        in_range(out, expect.shaped(out, (n, outputs), what=what), exercise)


@PARAMETRIZE
def test_model_has_the_schemas_number_of_trainable_parameters(submission, exercise):
    out = submission.call(exercise)
    description = submission.describe(expect.module(out))
    got = sum(math.prod(p["shape"]) for p in description["parameters"] if p["requires_grad"])
    expect.number(expect.part(out, got, N_("the number of its trainable parameters")),
                  count(MODELS[exercise]))


@PARAMETRIZE
def test_model_with_other_weights_computes_what_torchs_computes(submission, exercise):
    layers = MODELS[exercise]
    model = check_layers(submission, exercise, layers)
    names = [p["name"] for p in submission.describe(model)["parameters"]]
    for seed in (11,):
        expected = standard.sequential(layers, seed=seed)
        submission.load_state(model, dict(zip(names, standard.state(expected).values())))
        X = cases.values((7, layers[0]["in_features"]), seed, scale=2.0)
        expect.tensor(submission.call(model, X, eval_no_grad=True), expected(X).detach())


def twins(submission, layers, frozen=()):
    """A count_parameters case: the model's twin on the student side, torch's model here."""
    model, twin = standard.twins(submission, layers, frozen=frozen)
    return checks.Twin((twin,), (model,))


def random_stacks():
    """(layers, frozen parameter names): random stacks, some layers without bias, some frozen."""
    stacks = []
    for seed in range(4):
        widths = cases.sizes(seed, 2 + seed % 3, high=12)
        layers = []
        for i, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
            layers += [{**linear(n_in, n_out), "bias": (seed + i) % 3 != 1}, RELU]
        stacks.append((layers[:-1] + ([SIGMOID] if seed % 2 else []), []))
    frozen_layers = [linear(5, 4), RELU, linear(4, 3), RELU, linear(3, 2)]
    stacks += [(frozen_layers, ["0.weight", "0.bias"]), (frozen_layers, ["2.bias"]),
               ([linear(1, 1)], []), (SCHEMA_A_LAYERS, ["4.weight"])]
    return stacks


@pytest.mark.exercise(COUNT_PARAMETERS)
def test_count_parameters_of_random_stacks(submission):
    stacks = [twins(submission, layers) for layers, frozen in random_stacks() if not frozen]
    checks.values(submission, COUNT_PARAMETERS, stacks)


@pytest.mark.exercise(COUNT_PARAMETERS)
def test_count_parameters_skips_frozen_parameters(submission):
    stacks = [twins(submission, layers, frozen) for layers, frozen in random_stacks() if frozen]
    checks.values(submission, COUNT_PARAMETERS, stacks)

"""Public checks for 04_models: the article's network, the three schemas, and counting parameters.

Run them with `nnkit check 04` (or `pytest exercises/test_04_models.py`). Each model is checked
layer by layer against its schema, then run forward and backward with known weights next to
torch's own model built from the same layers.
"""

import math

import pytest
import torch

from nnkit.harness import expect, mistakes, standard
from nnkit.harness.standard import RELU, SIGMOID, linear, softmax
from nnkit.i18n.course import N_

ARTICLE_MODEL, SCHEMA_A, SCHEMA_B, SCHEMA_C, COUNT_PARAMETERS = (
    "04_models.article_model", "04_models.schema_a", "04_models.schema_b", "04_models.schema_c",
    "04_models.count_parameters")

# Every model, layer by layer, as its schema draws it.
ARTICLE_LAYERS = [linear(3, 10), RELU, linear(10, 20), RELU, linear(20, 1)]
SCHEMA_A_LAYERS = [linear(8, 32), RELU, linear(32, 16), RELU, linear(16, 1)]
SCHEMA_B_LAYERS = [linear(6, 12), RELU, linear(12, 1), SIGMOID]
SCHEMA_C_LAYERS = [linear(20, 64), RELU, linear(64, 32), RELU, linear(32, 5), softmax(dim=1)]

# The article's input for its model: 3 objects with 3 features; 5 objects for each schema.
X = torch.tensor([[0.4, -0.5, 0.9], [0.3, 0.2, -0.1], [0.1, 0.7, -0.2]])
HOUSES, PATIENTS, SYMPTOMS = (torch.linspace(-2.0, 2.0, 5 * n).reshape(5, n) for n in (8, 6, 20))


def check_layers(submission, exercise, layers, inputs=None):
    """The student's model is an nn.Sequential with exactly these layers; its handle."""
    out = submission.call(exercise)
    model = expect.module(out)
    expect.layers(out, submission.describe(model), layers, mistakes=mistakes.lazy(exercise))
    return model


def with_torch_weights(submission, exercise, layers):
    """The student's model (checked layer by layer) and torch's model, holding the same weights."""
    model = check_layers(submission, exercise, layers)
    expected = standard.sequential(layers, seed=4)
    names = [p["name"] for p in submission.describe(model)["parameters"]]  # layers may have names
    submission.load_state(model, dict(zip(names, standard.state(expected).values())))
    return model, expected, names


def check_output(submission, exercise, layers, inputs):
    """With torch's weights loaded, the student's model computes what torch's model computes."""
    model, expected, _ = with_torch_weights(submission, exercise, layers)
    expect.tensor(submission.call(model, inputs, eval_no_grad=True), expected(inputs).detach())


def check_gradients(submission, exercise, layers, inputs):
    """Backpropagating through the student's model gives every weight torch's gradient."""
    model, expected, names = with_torch_weights(submission, exercise, layers)
    output = expected(inputs)
    weighting = torch.linspace(-1.0, 2.0, output.numel()).reshape(output.shape)  # not all equal
    out = submission.call(model, inputs, grad_wrt=(0,), grad_seed=weighting)
    (output * weighting).sum().backward()
    expect.parameter_gradients(out, submission.state(model, grads=True),
                               {name: p.grad for name, p in zip(names, expected.parameters())})


# Each model is checked three ways: its layers, its output and its gradients with torch's weights.
CHECKS, CHECK_NAMES = [check_layers, check_output, check_gradients], ["layers", "output", "gradients"]


@pytest.mark.exercise(ARTICLE_MODEL)
@pytest.mark.parametrize("check", CHECKS, ids=CHECK_NAMES)
def test_article_model_is_the_articles_network(submission, check):
    check(submission, ARTICLE_MODEL, ARTICLE_LAYERS, X)


@pytest.mark.exercise(ARTICLE_MODEL)
def test_article_model_has_281_trainable_parameters(submission):
    out = submission.call(ARTICLE_MODEL)
    description = submission.describe(expect.module(out))
    count = sum(math.prod(p["shape"]) for p in description["parameters"] if p["requires_grad"])
    expect.number(expect.part(out, count, N_("the number of its trainable parameters")), 281)


@pytest.mark.exercise(SCHEMA_A)
@pytest.mark.parametrize("check", CHECKS, ids=CHECK_NAMES)
def test_schema_a_maps_8_house_features_to_a_price(submission, check):
    check(submission, SCHEMA_A, SCHEMA_A_LAYERS, HOUSES)


@pytest.mark.exercise(SCHEMA_B)
@pytest.mark.parametrize("check", CHECKS, ids=CHECK_NAMES)
def test_schema_b_maps_6_patient_features_to_a_probability(submission, check):
    check(submission, SCHEMA_B, SCHEMA_B_LAYERS, PATIENTS)


@pytest.mark.exercise(SCHEMA_C)
@pytest.mark.parametrize("check", CHECKS, ids=CHECK_NAMES)
def test_schema_c_maps_20_symptoms_to_5_probabilities(submission, check):
    check(submission, SCHEMA_C, SCHEMA_C_LAYERS, SYMPTOMS)


@pytest.mark.exercise(COUNT_PARAMETERS)
def test_count_parameters_of_the_articles_model_is_281(submission):
    model, twin = standard.twins(submission, ARTICLE_LAYERS)
    got = submission.call(COUNT_PARAMETERS, twin)
    expect.equal(got, 281, mistakes=mistakes.lazy(COUNT_PARAMETERS, model))


@pytest.mark.exercise(COUNT_PARAMETERS)
def test_count_parameters_of_one_linear_layer_is_weights_plus_biases(submission):
    expect.equal(submission.call(COUNT_PARAMETERS, submission.build("module", layers=[linear(2, 3)])), 9)


@pytest.mark.exercise(COUNT_PARAMETERS)
def test_count_parameters_of_schema_c_is_3589(submission):
    model = submission.build("module", layers=SCHEMA_C_LAYERS)
    expect.equal(submission.call(COUNT_PARAMETERS, model), 3589)

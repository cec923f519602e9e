"""Public checks for 02_linear: nn.Linear, its formula, a layer of your own, and collapsing chains.

Run them with `nnkit check 02` (or `pytest exercises/test_02_linear.py`). Each check calls your
code through `student.call(...)` and compares the answer with torch's own `nn.Linear` and `@`.
"""

import pytest
import torch
import torch.nn.functional as F

from nnkit.harness import expect, mistakes, standard
from nnkit.i18n.course import N_

MAKE_LINEAR, LINEAR_FORWARD, MY_LINEAR, COLLAPSE = (
    "02_linear.make_linear", "02_linear.linear_forward", "02_linear.MyLinear", "02_linear.collapse")

# The article's inputs and the weight its Linear(2, 3) printed (stored as (out, in) = (3, 2)).
X = torch.tensor([[0.4, 0.5], [0.9, 0.2], [0.2, 0.0], [0.1, 0.0]])
WEIGHT = torch.tensor([[0.7022, 0.3718], [-0.1696, 0.6970], [0.4542, -0.0430]])
BIAS = torch.tensor([0.1, -0.2, 0.3])

# The docstring's example: one row [3, 4], weight [[1, 2]], bias [0.5]: 3 + 8 + 0.5 = 11.5.
DOCSTRING_EXAMPLE = torch.tensor([[3.0, 4.0]]), torch.tensor([[1.0, 2.0]]), torch.tensor([0.5])

# A square layer (3 -> 3), where forgetting the transpose still gives a result of the right shape.
SQUARE_X = torch.linspace(-1.0, 1.0, 6).reshape(2, 3)
SQUARE_WEIGHT = torch.tensor([[0.5, -1.0, 2.0], [0.0, 1.5, -0.5], [1.0, 0.2, 0.3]])
SQUARE_BIAS = torch.tensor([1.0, 2.0, 3.0])

# The article's chain Linear(3, 10) -> Linear(10, 20) -> Linear(20, 1), in its (in, out) convention.
CHAIN = [torch.linspace(-1.0, 1.0, 30).reshape(3, 10), torch.linspace(0.5, -0.5, 200).reshape(10, 20),
         torch.linspace(-0.3, 0.9, 20).reshape(20, 1)]


def my_linear(submission, in_features, out_features):
    """A MyLinear made by the student's class, checked to have weight and bias Parameters."""
    out = submission.call(MY_LINEAR, in_features, out_features)
    layer = expect.module(out, N_("a MyLinear module"))
    expect.parameters(out, submission.describe(layer),
                      {"weight": (out_features, in_features), "bias": (out_features,)})
    return layer


@pytest.mark.exercise(MAKE_LINEAR)
def test_make_linear_returns_torchs_linear_layer(submission):
    out = submission.call(MAKE_LINEAR, 2, 3)
    expect.layer(out, submission.describe(expect.module(out)), standard.linear(2, 3),
                 mistakes=mistakes.lazy(MAKE_LINEAR, 2, 3))


@pytest.mark.exercise(MAKE_LINEAR)
def test_make_linear_stores_its_weight_as_out_by_in(submission):
    out = submission.call(MAKE_LINEAR, 4, 16)
    expect.parameters(out, submission.describe(expect.module(out)), {"weight": (16, 4), "bias": (16,)})


@pytest.mark.exercise(MAKE_LINEAR)
def test_make_linear_maps_the_articles_X_to_three_features(submission):
    layer = expect.module(submission.call(MAKE_LINEAR, 2, 3))
    expect.shaped(submission.call(layer, X), (4, 3), what=N_("4 rows of 3 features"))


@pytest.mark.exercise(LINEAR_FORWARD)
def test_linear_forward_of_the_docstring_example_is_11_5(submission):
    expect.tensor(submission.call(LINEAR_FORWARD, *DOCSTRING_EXAMPLE),
                  torch.tensor([[11.5]]), mistakes=mistakes.lazy(LINEAR_FORWARD, *DOCSTRING_EXAMPLE))


@pytest.mark.exercise(LINEAR_FORWARD)
def test_linear_forward_equals_torchs_linear_on_the_articles_X(submission):
    expect.tensor(submission.call(LINEAR_FORWARD, X, WEIGHT, BIAS), F.linear(X, WEIGHT, BIAS),
                  mistakes=mistakes.lazy(LINEAR_FORWARD, X, WEIGHT, BIAS))


@pytest.mark.exercise(LINEAR_FORWARD)
def test_linear_forward_uses_the_transposed_weight(submission):
    expect.tensor(submission.call(LINEAR_FORWARD, SQUARE_X, SQUARE_WEIGHT, SQUARE_BIAS),
                  F.linear(SQUARE_X, SQUARE_WEIGHT, SQUARE_BIAS),
                  mistakes=mistakes.lazy(LINEAR_FORWARD, SQUARE_X, SQUARE_WEIGHT, SQUARE_BIAS))


@pytest.mark.exercise(LINEAR_FORWARD)
@pytest.mark.property
def test_linear_forward_does_not_modify_its_inputs(submission):
    expect.unchanged(submission.call(LINEAR_FORWARD, X, WEIGHT, BIAS))


@pytest.mark.exercise(MY_LINEAR)
def test_my_linear_has_weight_and_bias_parameters(submission):
    my_linear(submission, 2, 3)
    my_linear(submission, 4, 16)


@pytest.mark.exercise(MY_LINEAR)
def test_my_linear_with_linears_weights_gives_linears_output(submission):
    layer = my_linear(submission, 2, 3)
    submission.load_state(layer, {"weight": WEIGHT, "bias": BIAS})
    expect.tensor(submission.call(layer, X), F.linear(X, WEIGHT, BIAS),
                  mistakes=mistakes.lazy(MY_LINEAR, X, WEIGHT, BIAS))


@pytest.mark.exercise(MY_LINEAR)
@pytest.mark.property
def test_my_linear_starts_from_random_weights(submission):
    out = submission.call(MY_LINEAR, 4, 3)
    first = expect.module(out, N_("a MyLinear module"))
    second = expect.module(submission.call(MY_LINEAR, 4, 3), N_("a MyLinear module"))
    expect.random_start(out, submission.state(first).get("weight"), submission.state(second).get("weight"),
                        "weight")


@pytest.mark.exercise(MY_LINEAR)
def test_my_linear_lets_gradients_reach_weight_and_bias(submission):
    layer = my_linear(submission, 3, 3)
    submission.load_state(layer, {"weight": SQUARE_WEIGHT, "bias": SQUARE_BIAS})
    seed = torch.tensor([[1.0, -2.0, 0.5], [0.3, 0.0, -1.0]])
    out = submission.call(layer, SQUARE_X, grad_wrt=(0,), grad_seed=seed)
    expect.gradients(out, [seed @ SQUARE_WEIGHT], ["X"])
    expect.parameter_gradients(out, submission.state(layer, grads=True),
                               {"weight": seed.T @ SQUARE_X, "bias": seed.sum(dim=0)})


@pytest.mark.exercise(COLLAPSE)
def test_collapse_of_the_articles_chain_is_one_3_by_1_matrix(submission):
    W1, W2, W3 = CHAIN
    expect.tensor(submission.call(COLLAPSE, CHAIN), W1 @ W2 @ W3)


@pytest.mark.exercise(COLLAPSE)
def test_collapse_multiplies_in_the_order_of_the_chain(submission):
    first, second = SQUARE_WEIGHT, SQUARE_WEIGHT.T + 1.0
    expect.tensor(submission.call(COLLAPSE, [first, second]), first @ second,
                  mistakes=mistakes.lazy(COLLAPSE, [first, second]))


@pytest.mark.exercise(COLLAPSE)
def test_collapse_of_one_matrix_is_that_matrix(submission):
    expect.tensor(submission.call(COLLAPSE, CHAIN[:1]), CHAIN[0])


@pytest.mark.exercise(COLLAPSE)
def test_collapse_raises_value_error_when_the_chain_does_not_fit(submission):
    expect.raises(submission.call(COLLAPSE, [CHAIN[0], CHAIN[2]]), "ValueError",
                  N_("a (3, 10) matrix cannot be followed by a (20, 1) one"))


@pytest.mark.exercise(COLLAPSE)
@pytest.mark.property
def test_collapse_does_not_modify_its_inputs(submission):
    expect.unchanged(submission.call(COLLAPSE, CHAIN))

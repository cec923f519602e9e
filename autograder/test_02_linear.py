"""Hidden tests for 02_linear: the public checks, then random layer sizes, MyLinear against
nn.Linear (output and gradients, one row and one feature included), collapse on random chains.
"""

import pytest
import torch
import torch.nn.functional as F

from autograder import cases, checks
from exercises.test_02_linear import COLLAPSE, LINEAR_FORWARD, MAKE_LINEAR, MY_LINEAR, my_linear
from nnkit.harness import expect, mistakes, standard
from nnkit.i18n.course import N_, _

# (N, in, out): random sizes, then one row, one input feature, one output, square.
SIZES = [tuple(cases.sizes(seed, 3, high=6)) for seed in range(2)]
SIZES += [(1, 4, 3), (5, 1, 2), (3, 4, 1), (4, 3, 3)]

test_uses_no_forbidden_call = checks.forbidden_test("02_linear")


def layer_weights(n, n_in, n_out, seed):
    """X (n, in), weight (out, in) and bias (out,): random, negative and positive."""
    return (cases.values((n, n_in), seed), cases.values((n_out, n_in), seed + 1, scale=1.0),
            cases.values((n_out,), seed + 2, scale=1.0))


@pytest.mark.exercise(MAKE_LINEAR)
def test_make_linear_of_random_sizes(submission):
    for _rows, n_in, n_out in SIZES:
        out = submission.call(MAKE_LINEAR, n_in, n_out)
        expect.layer(out, submission.describe(expect.module(out)), standard.linear(n_in, n_out),
                     mistakes=mistakes.lazy(MAKE_LINEAR, n_in, n_out))


@pytest.mark.exercise(LINEAR_FORWARD)
def test_linear_forward_of_random_layers(submission):
    layers = [layer_weights(*size, 10 * case) for case, size in enumerate(SIZES)]
    checks.values(submission, LINEAR_FORWARD, layers)


@pytest.mark.exercise(LINEAR_FORWARD)
@pytest.mark.property
def test_linear_forward_leaves_random_inputs_as_they_were(submission):
    layers = [layer_weights(*size, 10 * case) for case, size in enumerate(SIZES[:2])]
    checks.kept(submission, LINEAR_FORWARD, layers)


@pytest.mark.exercise(MY_LINEAR)
def test_my_linear_with_linears_weights_of_random_sizes(submission):
    for case, (n, n_in, n_out) in enumerate(SIZES):
        X, weight, bias = layer_weights(n, n_in, n_out, 10 * case)
        layer = my_linear(submission, n_in, n_out)
        submission.load_state(layer, {"weight": weight, "bias": bias})
        expect.tensor(submission.call(layer, X), F.linear(X, weight, bias),
                      mistakes=mistakes.lazy(MY_LINEAR, X, weight, bias))


@pytest.mark.exercise(MY_LINEAR)
def test_my_linear_maps_rows_to_out_features_from_its_own_start(submission):
    for case, (n, n_in, n_out) in enumerate(SIZES):
        layer = expect.module(submission.call(MY_LINEAR, n_in, n_out), N_("a MyLinear module"))
        expect.shaped(submission.call(layer, cases.values((n, n_in), case)), (n, n_out),
                      what=_("{rows} rows of {features} features").format(rows=n, features=n_out))


@pytest.mark.exercise(MY_LINEAR)
@pytest.mark.property
def test_my_linear_gradients_of_random_sizes_equal_linears(submission):
    for case, (n, n_in, n_out) in list(enumerate(SIZES))[::2]:
        X, weight, bias = layer_weights(n, n_in, n_out, 10 * case)
        seed = cases.values((n, n_out), 10 * case + 5)
        layer = my_linear(submission, n_in, n_out)
        submission.load_state(layer, {"weight": weight, "bias": bias})
        out = submission.call(layer, X, grad_wrt=(0,), grad_seed=seed)
        wants = standard.gradients(F.linear, X, weight, bias, wrt=(0, 1, 2), seed=seed)
        want_X, want_weight, want_bias = wants
        expect.gradients(out, [want_X], ["X"])
        expect.parameter_gradients(out, submission.state(layer, grads=True),
                                   {"weight": want_weight, "bias": want_bias})


@pytest.mark.exercise(COLLAPSE)
def test_collapse_of_random_chains(submission):
    checks.values(submission, COLLAPSE, [(chain,) for chain in cases.chains(seed=4)])


@pytest.mark.exercise(COLLAPSE)
def test_collapse_raises_value_error_wherever_the_chain_breaks(submission):
    for chain in cases.chains(seed=5)[2:4]:
        for at in range(1, len(chain)):
            broken = chain[:at] + [torch.ones(chain[at].shape[0] + 1, 2)] + chain[at + 1:]
            expect.raises(submission.call(COLLAPSE, broken), "ValueError",
                          _("matrix {first} has {columns} columns, matrix {second} has {rows} rows").format(
                              first=at, columns=chain[at - 1].shape[1], second=at + 1,
                              rows=chain[at].shape[0] + 1))


@pytest.mark.exercise(COLLAPSE)
@pytest.mark.property
def test_collapse_leaves_random_chains_as_they_were(submission):
    checks.kept(submission, COLLAPSE, [(chain,) for chain in cases.chains(seed=6)[1:3]])

"""nnkit/harness/diagnose.py: each diagnosis names the property it finds, and only where it is.

Every diagnosis fires on an answer that has its property, with the words that name it, and is
the one `explain` picks there. Then the silence test: on calls shaped like the exercises' (a
softmax, a loss, a percent, a list of points, a split, a one-hot matrix, a shape, a stability
case, a model's state), every diagnosis is fed the right answer and several unrelated wrong
ones, and says nothing. The issue's two bad examples are among them.
"""

from __future__ import annotations

import pytest
import torch

from nnkit.harness import diagnose
from nnkit.harness.diagnose import explain, notes
from nnkit.wire.codec import Handle

STABLE = {"atol": 1e-4, "rtol": 1e-4}


def rand(*shape: int, seed: int = 0, scale: float = 3.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(shape, generator=g) * 2 - 1) * scale


X = rand(4, 3)
SOFTMAX = torch.softmax(X, dim=1)
Y_HAT, Y = rand(8, 1, seed=1), rand(8, 1, seed=2)
MSE = ((Y_HAT - Y) ** 2).mean()
LOGITS, CLASSES = rand(3, 3, seed=3), torch.tensor([0, 2, 1])
TABLE = rand(12, 4, seed=4)
BIG = torch.tensor([1000.0, 0.5, -2.0])


def case(got, expected, args=(), kwargs=None, args_after=None, tolerance=None) -> diagnose.Case:
    return diagnose.Case(got, expected, tuple(args), dict(kwargs or {}), args_after,
                         dict(tolerance or diagnose.FLOAT32))


# ---------------------------------------------------------------- each diagnosis on its own case
OWN_CASES = [
    (diagnose.changed_inputs, "changed its argument 1 in place",
     case(X.clamp(min=0), X.clamp(min=0), (X,), args_after=[X.clamp(min=0)])),
    (diagnose.other_dtype, "right, but their dtype is int64 where float32 is due",
     case(torch.eye(3, dtype=torch.int64), torch.eye(3), (torch.tensor([0, 1, 2]), 3))),
    (diagnose.size_one_dimension, "extra dimension of size 1: its shape is (4, 1) where (4,) is due",
     case(X.sum(1, keepdim=True), X.sum(1), (X,))),
    (diagnose.size_one_dimension, "a dimension of size 1 is missing: the shape is (8,) where (8, 1) is due",
     case((Y_HAT - Y).reshape(8), Y_HAT - Y, (Y_HAT, Y))),
    (diagnose.size_one_dimension, "extra dimension of size 1: its shape is (1,) where () is due",
     case(MSE.reshape(1), MSE, (Y_HAT, Y))),
    (diagnose.transposed, "transposed: your rows are its columns", case(SOFTMAX.T, SOFTMAX, (X,))),
    (diagnose.transposed, "dimensions in another order",
     case(rand(2, 3, 4).permute(2, 0, 1), rand(2, 3, 4), (rand(2, 3, 4),))),
    (diagnose.reordered, "the expected rows, but in another order",
     case(SOFTMAX[[2, 0, 3, 1]], SOFTMAX, (X,))),
    (diagnose.reordered, "rows are the expected ones in reverse order", case(SOFTMAX.flip(0), SOFTMAX, (X,))),
    (diagnose.reordered, "values are the expected ones in reverse order",
     case([4.0, 2.5, 1.0], [1.0, 2.5, 4.0])),
    (diagnose.off_by_one, "one row short: the expected first row is missing",
     case(TABLE[9:], TABLE[8:], (TABLE, rand(12, seed=5), 8))),
    (diagnose.off_by_one, "one item short: the expected first item (2) is missing",
     case([1.0, 0.5, 0.25], [2.0, 1.0, 0.5, 0.25])),
    (diagnose.off_by_one, "one item too many: your last item (0.125) is not expected",
     case([2.0, 1.0, 0.5, 0.25, 0.125], [2.0, 1.0, 0.5, 0.25])),
    (diagnose.off_by_one, "moved one place earlier: the expected first value (2) is missing",
     case([1.0, 0.5, 0.25, 0.125], [2.0, 1.0, 0.5, 0.25])),
    (diagnose.off_by_one, "rows are the expected ones moved one place down",
     case(TABLE[3:11], TABLE[4:12], (TABLE,))),
    (diagnose.sums_along_other_dim, "add up to 1 along dim 0, but dim=1 was asked",
     case(torch.softmax(X, dim=0), SOFTMAX, (X,), {"dim": 1})),
    (diagnose.sums_along_other_dim, "add up to 1 along dim 0, but dim=-1 was asked",
     case(torch.softmax(X, dim=0), SOFTMAX, (X,), {"dim": -1})),
    (diagnose.sums_along_other_dim, "add up to 1 along dim 0, but the expected ones add up to 1 along dim 1",
     case(torch.softmax(X, dim=0), SOFTMAX, (X,))),
    (diagnose.opposite_sign, "opposite sign of the expected one", case(-MSE, MSE, (Y_HAT, Y))),
    (diagnose.opposite_sign, "values have the opposite sign", case(-X, X, (X,))),
    (diagnose.scaled, "divided by 100: a fraction (0 to 1) where a percent (0 to 100) is due",
     case(2 / 3, 200 / 3, (LOGITS, CLASSES))),
    (diagnose.scaled, "100 times the expected one: a percent where a fraction",
     case(45.08, 0.4508, (Y_HAT, Y))),
    (diagnose.scaled, "8 times the expected one, and argument 1 has 8 entries: a sum where a mean is due",
     case(((Y_HAT - Y) ** 2).sum(), MSE, (Y_HAT, Y))),
    (diagnose.scaled, "divided by 3, and argument 1 has 3 rows: a mean over the rows where a sum is due",
     case(LOGITS.sum() / 3, LOGITS.sum(), (LOGITS, CLASSES))),
    (diagnose.scaled, "the expected one times 0.5: the formula is right up to a constant factor",
     case(X / 2, X, (X,))),
    (diagnose.unstable, "nan or inf only where the input is large (as large as 1000)",
     case(torch.exp(BIG) / (1 + torch.exp(BIG)), torch.sigmoid(BIG), (BIG,), tolerance=STABLE)),
    (diagnose.unstable,
     "nan or inf where the expected one is finite, and the input holds values as large as 1000",
     case(torch.tensor(float("nan")), torch.tensor(500.3), (torch.tensor([[1000.0, 0.0]]), torch.tensor([1])),
          tolerance=STABLE)),
]


@pytest.mark.parametrize("diagnosis, words, answer", OWN_CASES,
                         ids=[f"{d.__name__}-{i}" for i, (d, _, _) in enumerate(OWN_CASES)])
def test_each_diagnosis_names_what_it_finds_and_explain_picks_it(diagnosis, words, answer):
    assert words in diagnosis(answer)
    assert explain(answer.got, answer.expected, answer.args, answer.kwargs, args_after=answer.args_after,
                   tolerance=answer.tolerance) == diagnosis(answer)


def test_every_diagnosis_has_a_case_of_its_own():
    assert {d for d, _, _ in OWN_CASES} == set(diagnose.DIAGNOSES)


def test_a_tensor_still_attached_to_the_graph_where_a_number_is_due_gets_a_note():
    loss = (torch.ones(2, requires_grad=True) * 3).mean()
    assert "still attached to the autograd graph" in notes(loss, 3.0)[0]
    assert "store t.item()" in notes([loss, loss.detach()], [3.0, 3.0])[0]
    assert notes(loss.detach(), 3.0) == notes(3.0, 3.0) == notes([3.0], [3.0]) == []
    assert notes(loss, torch.tensor(3.0)) == []  # a tensor is due: being attached is right


def test_every_message_is_one_whole_template(monkeypatch):
    """Each sentence is one call of _() or ngettext(), formatted afterwards: marking the templates
    marks the whole message, so a translator sees every sentence entire."""
    monkeypatch.setattr(diagnose, "_", lambda text: f"«{text}»")
    monkeypatch.setattr(diagnose, "ngettext", lambda one, many, n: f"«{one if n == 1 else many}»")
    for diagnosis, _, answer in OWN_CASES:
        text = diagnosis(answer)
        assert (text.startswith("«") and text.endswith("»")
                and text.count("«") == 1), (diagnosis.__name__, text)


# ---------------------------------------------------------------- silence
def split_case(got, n_train=8):
    return got, TABLE[n_train:], (TABLE, rand(12, seed=5), n_train)


def calls() -> list[tuple[str, object, object, tuple, dict, dict | None]]:
    """(label, right answer, expected, args, kwargs, tolerance) of calls like the exercises'."""
    big = torch.tensor([[1000.0, 0.0, -3.0], [2.0, -1000.0, 0.5]])
    sigmoid_big = torch.tensor([-1000.0, -2.0, 0.5, 1000.0])
    return [
        ("softmax", SOFTMAX, SOFTMAX, (X,), {"dim": 1}, None),
        ("relu", X.clamp(min=0), X.clamp(min=0), (X,), {}, None),
        ("mse", MSE, MSE, (Y_HAT, Y), {}, None),
        ("percent", 66.66666, 200 / 3, (LOGITS, CLASSES), {}, None),
        ("descend", [2.0, 1.2, 0.72, 0.432], [2.0, 1.2, 0.72, 0.432], (), {}, None),
        ("split", TABLE[8:], TABLE[8:], (TABLE, rand(12, seed=5), 8), {}, None),
        ("one_hot", torch.eye(3)[[0, 2, 1, 1, 0]], torch.eye(3)[[0, 2, 1, 1, 0]],
         (torch.tensor([0, 2, 1, 1, 0]), 3), {}, None),
        ("matmul_shape", (4, 3), (4, 3), ((4, 2), (2, 3)), {}, None),
        ("stable softmax", torch.softmax(big, 1), torch.softmax(big, 1), (big,), {"dim": -1}, STABLE),
        ("stable sigmoid", torch.sigmoid(sigmoid_big), torch.sigmoid(sigmoid_big), (sigmoid_big,), {},
         STABLE),
        ("sgd_step bias", rand(3, seed=7) - 0.5 * rand(3, seed=8), rand(3, seed=7) - 0.5 * rand(3, seed=8),
         (Handle(1, "Sequential", True), 0.5), {}, None),
    ]


def wrong_answers(right) -> list[object]:
    """Wrong answers related to none of the diagnoses: random values, one entry off, noise, a
    constant, a random answer of another shape, nan without large inputs."""
    if type(right) is tuple:
        return [(3, 4, 1), (5, 2), (7, 7)]
    if type(right) is list:
        return [[0.3, -1.7, 5.0, 0.9], [1.0, 1.0, 1.0, 1.0], [2.0, 1.2, 0.8, 0.432], [0.5, 9.0]]
    if type(right) is float:
        return [41.0, 0.0, 99.5]
    t = right.to(torch.float32)
    noisy = t + 0.05 * rand(*t.shape, seed=11, scale=1.0) if t.dim() else t + 0.137
    one_off = t.clone()
    one_off.view(-1)[0] += 0.75
    return [noisy, one_off, torch.full_like(t, 0.7), rand(*t.shape, seed=12), rand(2, 5, seed=13),
            torch.full_like(t, float("nan"))]


@pytest.mark.parametrize("label, right, expected, args, kwargs, tolerance", calls(),
                         ids=[c[0] for c in calls()])
def test_every_diagnosis_is_silent_on_right_and_unrelated_wrong_answers(label, right, expected, args, kwargs,
                                                                         tolerance):
    for got in [right, *wrong_answers(right)]:
        answer = case(got, expected, args, kwargs, list(args), tolerance)
        for diagnosis in (*diagnose.DIAGNOSES, *diagnose.NOTES):
            assert diagnosis(answer) == "", (label, diagnosis.__name__, got)


def test_sgd_step_that_skips_the_biases_is_not_told_the_parameters_did_not_change():
    """The issue's first bad example: the weights changed, the bias did not. Nothing about the bias
    alone shows a property (its value before the step is not a diagnosis' to guess), so nothing
    speaks, and nothing says the parameters did not change."""
    bias, grad = rand(3, seed=7), rand(3, seed=8)
    assert explain(bias, bias - 0.5 * grad, (Handle(1, "Sequential", True), 0.5)) == ""


def test_split_one_row_short_for_validation_is_told_so_and_nothing_about_reducing():
    """The issue's second bad example: nothing in split reduces, so no message may say so."""
    got, expected, args = split_case(TABLE[9:])
    text = explain(got, expected, args)
    assert "one row short" in text and "reduce" not in text


def test_changed_arguments_finds_tensors_and_lists_of_tensors_changed_in_place():
    a, b = rand(3), [rand(2, seed=1), rand(2, seed=2)]
    after_a, after_b = a.clone(), [b[0].clone(), b[1] + 1]
    assert diagnose.changed_arguments((a, b, 0.5), (after_a, after_b, 0.5)) == [2]
    assert diagnose.changed_arguments((a, b), (a + 1, after_b)) == [1, 2]
    assert diagnose.changed_arguments((a, b), (a.clone(), [t.clone() for t in b])) == []
    assert diagnose.changed_arguments((a,), None) == []


# ---------------------------------------------------------------- a model's whole state
def state_failure(got, expected, before, mistakes=None):
    from nnkit.harness import expect
    from nnkit.harness.failures import CheckFailure
    from nnkit.submission.proxy import Outcome

    out = Outcome("07_gradient_descent.sgd_step", (Handle(1, "torch.nn.Sequential", True), 0.5), {})
    try:
        expect.state(out, got, expected, mistakes=mistakes, before=before)
    except CheckFailure as failure:
        return failure
    return None


def test_a_states_diagnosis_names_only_the_tensors_left_as_they_were_and_is_silent_otherwise():
    from nnkit.harness.mistakes import Known

    before = {"0.weight": rand(3, 4, seed=20), "0.bias": rand(3, seed=21),
              "2.weight": rand(2, 3, seed=22), "2.bias": rand(2, seed=23)}
    grads = {name: rand(*t.shape, seed=30 + i) for i, (name, t) in enumerate(before.items())}
    expected = {name: t - 0.5 * grads[name] for name, t in before.items()}
    unchanged = Known("07_gradient_descent.sgd_step", "unchanged", "the parameters did not change")
    known = {unchanged: before}
    skips_biases = {name: expected[name] if name.endswith("weight") else before[name] for name in before}
    failure = state_failure(skips_biases, expected, before, known)
    assert failure.named == "diagnosis" and failure.mistake is None
    assert "left 0.bias, 2.bias as they were" in failure.message and "did not change" not in failure.message
    assert state_failure(before, expected, before, known).mistake == "unchanged"  # nothing moved: the entry
    assert state_failure(expected, expected, before, known) is None
    for wrong in ({n: t + 0.05 * rand(*t.shape, seed=40) for n, t in expected.items()},
                  {n: rand(*t.shape, seed=41) for n, t in expected.items()},
                  {**expected, "2.bias": expected["2.bias"] + 1.0}):
        failure = state_failure(wrong, expected, before, known)
        assert failure.named is None and failure.mistake is None, failure.message


@pytest.mark.parametrize("message, holds", [
    ("cannot multiply (4, 2) by (2, 3)", True), ("torch.Size([4, 2]) @ torch.Size([2, 3]) do not fit", True),
    ("4x2 times 2x3", True), ("A is [4, 2], B is [2, 3]", True),
    ("the shapes do not fit", False), ("2x3 and 4x2", False), ("inner sizes 2 and 3 differ", False),
    ("A has shape (4, 2)", False)])
def test_a_value_error_names_both_shapes_in_any_rendering_that_holds_the_four_sizes_in_order(message, holds):
    from nnkit.harness import expect
    from nnkit.harness.failures import CheckFailure
    from nnkit.submission.proxy import Outcome
    from nnkit.wire.messages import StudentError

    out = Outcome("01_matrices.matmul", (rand(4, 2), rand(2, 3)), {},
                  error=StudentError.of(ValueError(message)))
    if holds:
        expect.raises(out, "ValueError", "the shapes do not fit", mentions=(4, 2, 2, 3))
        return
    with pytest.raises(CheckFailure) as caught:
        expect.raises(out, "ValueError", "the shapes do not fit", mentions=(4, 2, 2, 3))
    assert caught.value.named == "diagnosis"
    assert "does not hold the numbers 4, 2, 2, 3" in caught.value.message


def test_the_count_of_entries_that_differ_uses_the_checks_own_tolerance():
    from nnkit.harness import expect
    from nnkit.harness.failures import CheckFailure
    from nnkit.submission.proxy import Outcome

    X = torch.linspace(990.0, 1000.0, 10).reshape(1, 10)  # entries above 100: the 1e-4 tolerance
    want = torch.softmax(X, dim=1)
    got = want + torch.tensor([[5e-4] + [5e-5] * 9])
    with pytest.raises(CheckFailure) as caught:
        expect.tensor(Outcome("03_activations.softmax", (X, 1), {}, value=got), want)
    assert "(1 of 10 entries differ)" in caught.value.message, caught.value.message


def test_a_tensor_of_a_list_argument_replaced_by_a_number_is_a_changed_input_for_both_checks():
    from nnkit.harness import expect
    from nnkit.harness.failures import CheckFailure
    from nnkit.submission.proxy import Outcome

    given = [torch.ones(2), torch.zeros(2)]
    out = Outcome("07_gradient_descent.sgd_step", (given,), {}, value=None, args_after=[[torch.ones(2), 5]])
    with pytest.raises(CheckFailure) as caught:
        expect.unchanged(out)
    assert "it was changed to 5" in caught.value.message
    assert diagnose.changed_arguments(out.args, out.args_after) == [1]

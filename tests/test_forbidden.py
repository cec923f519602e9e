"""nnkit/forbidden.py: which spellings of a forbidden call the scanner finds, and which it leaves.

The scanner reads source text only. It must find the call however it is written (the operator,
torch.x, F.x, nn.X, a tensor method, an alias, a same-file helper) and must not flag what the
curriculum allows (other torch calls, annotations, docstrings, a helper the function never uses).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from nnkit.course import catalog, layout
from nnkit.harness import expect, forbidden
from nnkit.harness.failures import CheckFailure
from nnkit.submission.proxy import local_submission

MATMUL = catalog.by_id("01_matrices.matmul").forbidden
LINEAR = catalog.by_id("02_linear.MyLinear").forbidden
ACTIVATIONS = catalog.by_id("03_activations.relu").forbidden
OPTIM = catalog.by_id("07_gradient_descent.sgd_step").forbidden
ROOT = layout.course_root()


def found(source: str, name: str, rules=MATMUL) -> list[tuple[str, int]]:
    """(forbidden name, line) of every finding for function `name` of `source`."""
    return [(f.name, f.line) for f in forbidden.scan(textwrap.dedent(source), name, rules)]


@pytest.mark.parametrize("body, rule", [
    ("return A @ B", "@"),
    ("C = A.clone()\n    C @= B\n    return C", "@"),
    ("return torch.matmul(A, B)", "torch.matmul"),
    ("return torch.mm(A, B)", "torch.mm"),
    ("return A.matmul(B)", "Tensor.matmul"),
    ("return A.mm(B)", "Tensor.mm"),
    ("return torch.einsum('ik,kj->ij', A, B)", "torch.einsum"),
    ("return torch.functional.einsum('ik,kj->ij', A, B)", "torch.einsum"),
    ("return torch.tensordot(A, B, dims=1)", "torch.tensordot"),
    ("return torch.Tensor.mm(A, B)", "Tensor.mm"),
    ("return torch.linalg.matmul(A, B)", "torch.matmul"),
    ("return A.__matmul__(B)", "@"),
    ("return getattr(torch, 'matmul')(A, B)", "torch.matmul"),
    ("return torch.stack([r.dot(c) for r in A for c in B.T]).reshape(len(A), -1)", "Tensor.dot"),
    ("return torch.nn.functional.linear(A, B.T)", "torch.nn.functional.linear"),
])
def test_every_spelling_of_a_forbidden_product_is_found(body, rule):
    source = f"import torch\n\ndef matmul(A, B):\n    {body}\n"
    assert [name for name, _ in found(source, "matmul")] == [rule]


@pytest.mark.parametrize("imports, call, rule", [
    ("import torch.nn.functional as F", "F.linear(X, W)", "torch.nn.functional.linear"),
    ("from torch.nn import functional as fn", "fn.linear(X, W)", "torch.nn.functional.linear"),
    ("from torch.nn.functional import linear as lin", "lin(X, W)", "torch.nn.functional.linear"),
    ("from torch import matmul as mm", "mm(X, W.T)", "torch.matmul"),
    ("import torch as t", "t.mm(X, W.T)", "torch.mm"),
    ("import torch\nproduct = torch.mm", "product(X, W.T)", "torch.mm"),
    ("import operator", "operator.matmul(X, W.T)", "@"),
    ("from torch import *", "matmul(X, W.T)", "torch.matmul"),
])
def test_aliases_are_resolved(imports, call, rule):
    source = f"{imports}\n\ndef linear_forward(X, W, b):\n    return {call} + b\n"
    names = [name for name, _ in found(source, "linear_forward")]
    assert rule in names


def test_a_layer_class_of_torch_is_found_in_a_class_and_its_methods():
    source = """
        import torch
        from torch import nn

        class MyLinear(nn.Module):
            def __init__(self, n_in, n_out):
                super().__init__()
                self.inner = nn.Linear(n_in, n_out)

            def forward(self, X):
                return self.inner(X)
        """
    assert found(source, "MyLinear", LINEAR) == [("torch.nn.Linear", 8)]


def test_a_forbidden_call_in_a_same_file_helper_is_found_with_the_helper_named():
    source = """
        import torch

        def _dot(a, b):
            return (a * b).sum() if a.dim() == 1 else a @ b

        def unused(A, B):
            return torch.matmul(A, B)

        def entry(A, B, i, j):
            return float(_dot(A[i], B[:, j]))
        """
    findings = forbidden.scan(textwrap.dedent(source), "entry", MATMUL)
    assert [(f.name, f.line, f.helper) for f in findings] == [("@", 5, "_dot")]


def test_helpers_are_followed_through_chains_and_references():
    source = """
        import functools
        import torch

        def _pair(a, b):
            return torch.mm(a, b)

        def _chain(ws):
            return functools.reduce(_pair, ws)

        def matmul(A, B):
            return _chain([A, B])
        """
    assert found(source, "matmul") == [("torch.mm", 6)]


def test_a_module_rule_covers_everything_in_the_module():
    source = """
        import torch
        from torch.optim import SGD

        def sgd_step(model, lr):
            SGD(model.parameters(), lr=lr).step()

        def other(model):
            torch.optim.Adam(model.parameters())
        """
    assert found(source, "sgd_step", OPTIM) == [("torch.optim", 6)]
    assert found(source, "other", OPTIM) == [("torch.optim", 9)]


def test_a_tensor_method_of_a_forbidden_name_is_found_on_any_expression():
    source = """
        import torch

        def relu(X):
            return (X * 1.0).relu()
        """
    assert found(source, "relu", ACTIVATIONS) == [("Tensor.relu", 5)]


@pytest.mark.parametrize("source", [
    # other torch calls, and names that only look alike
    "import torch\n\ndef matmul(A, B):\n    return (A[:, :, None] * B[None]).sum(dim=1)\n",
    ("import torch\n\ndef matmul(A, B):\n"
     "    return torch.stack([torch.outer(A[:, t], B[t]) for t in range(len(B))]).sum(0)\n"),
    ("import torch\n\ndef matmul(A, B):\n"
     "    matmul_result = A.new_zeros(len(A), B.shape[1])\n    return matmul_result\n"),
    # annotations and docstrings mention a forbidden name but call nothing
    ("import torch\n\ndef matmul(A: torch.Tensor, B) -> 'A @ B':\n    '''Like torch.matmul(A, B).'''\n"
     "    return (A[:, :, None] * B[None]).sum(dim=1)\n"),
    # a forbidden call elsewhere in the file, in a function this one never uses
    ("import torch\n\ndef collapse(ws):\n    return torch.mm(ws[0], ws[1])\n\ndef matmul(A, B):\n"
     "    return (A[:, :, None] * B[None]).sum(dim=1)\n"),
])
def test_allowed_code_is_not_flagged(source):
    assert found(source, "matmul") == []


def test_a_missing_function_or_no_rules_find_nothing():
    assert found("import torch\n\ndef other(A, B):\n    return A @ B\n", "matmul") == []
    assert found("def matmul(A, B):\n    return A @ B\n", "matmul", rules=()) == []


def test_the_reference_and_the_correct_submissions_use_no_forbidden_call():
    submissions = sorted(p for p in (ROOT / "tests" / "submissions").iterdir() if p.is_dir())
    folders = [ROOT / "solutions", *submissions]
    for folder in folders:
        for exercise in catalog.exercises():
            source = (folder / f"{exercise.file}.py").read_text(encoding="utf-8")
            assert forbidden.scan(source, exercise.name, exercise.forbidden) == [], (folder.name, exercise.id)


def test_the_message_names_the_call_its_line_the_helper_and_why():
    source = textwrap.dedent("""
        import torch.nn.functional as F

        def _apply(X, W, b):
            return F.linear(X, W, b)

        def linear_forward(X, weight, bias):
            return _apply(X, weight, bias)
        """)
    findings = forbidden.scan(source, "linear_forward", catalog.by_id("02_linear.linear_forward").forbidden)
    message = forbidden.describe("02_linear.linear_forward", findings)
    assert "line 5: return F.linear(X, W, b)" in message
    assert ("uses torch.nn.functional.linear (written `F.linear`), in `_apply`, "
            "which `linear_forward` uses") in message
    assert "earns no points" in message


def write_submission(folder: Path, stem: str, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return folder


def test_the_hidden_check_fails_with_kind_forbidden(tmp_path):
    folder = write_submission(tmp_path, "01_matrices", """
        import torch

        def entry(A, B, i, j):
            return float(torch.dot(A[i], B[:, j]))
        """)
    with pytest.raises(CheckFailure) as failure:
        expect.allowed_calls(local_submission(folder), folder, "01_matrices.entry")
    assert failure.value.kind == "forbidden"
    assert "torch.dot" in failure.value.message and "line 5" in failure.value.message


def test_the_hidden_check_reports_a_file_that_cannot_load_as_a_submission_problem(tmp_path):
    folder = write_submission(tmp_path, "01_matrices", "import torch\nraise SystemExit(0)\n")
    with pytest.raises(CheckFailure) as failure:
        expect.allowed_calls(local_submission(folder), folder, "01_matrices.entry")
    assert failure.value.kind == "submission"
    folder = write_submission(tmp_path / "missing", "02_linear", "import torch\n")
    with pytest.raises(CheckFailure) as failure:
        expect.allowed_calls(local_submission(folder), folder, "01_matrices.entry")
    assert failure.value.kind == "submission"


def test_a_layer_class_used_only_to_initialise_weights_is_not_flagged():
    source = """
        from torch import nn

        class MyLinear(nn.Module):
            def __init__(self, n_in, n_out):
                super().__init__()
                start = nn.Linear(n_in, n_out)
                self.weight = nn.Parameter(start.weight.detach().clone())
                self.bias = nn.Parameter(start.bias.detach().clone())

            def forward(self, X):
                return X @ self.weight.T + self.bias
        """
    assert found(source, "MyLinear", LINEAR) == []


def test_a_forbidden_call_in_a_method_that_forward_reaches_through_self_is_found():
    source = """
        import torch.nn.functional as F
        from torch import nn

        class MyLinear(nn.Module):
            def product(self, X):
                return F.linear(X, self.weight, self.bias)

            def forward(self, X):
                return self.product(X)
        """
    assert found(source, "MyLinear", LINEAR) == [("torch.nn.functional.linear", 7)]


def test_a_class_that_inherits_a_forbidden_layer_is_found():
    source = """
        from torch import nn

        class MyLinear(nn.Linear):
            def forward(self, X):
                return super().forward(X)
        """
    assert found(source, "MyLinear", LINEAR) == [("torch.nn.Linear", 4)]

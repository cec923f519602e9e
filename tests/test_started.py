"""`nnkit.submission.started`: which of a file and its notebook the student worked on."""

from pathlib import Path

import pytest

from nnkit.course import catalog
from nnkit.submission.started import started

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("stem", catalog.files())
def test_every_stub_is_not_started_and_every_solution_is(stem):
    assert not started((ROOT / "exercises" / f"{stem}.py").read_text(encoding="utf-8"), stem)
    assert started((ROOT / "solutions" / f"{stem}.py").read_text(encoding="utf-8"), stem)


@pytest.mark.parametrize("source", [
    "def relu(x):\n    return x.clamp(min=0)\n",
    "from torch import relu\n",
    "relu = lambda x: x\n",
    "def relu(x):\n    raise ValueError('not this')\n",
    "def relu(x:\n",
])
def test_any_answer_to_an_exercise_or_a_file_that_does_not_parse_is_started(source):
    assert started(source, "03_activations")


@pytest.mark.parametrize("source", [
    "",
    "import torch\n\ndef helper(x):\n    return x\n",
    "def relu(x):\n    '''Mine.'''\n    raise NotImplementedError\n",
])
def test_helpers_docstrings_and_imports_alone_are_not_started(source):
    assert not started(source, "03_activations")


def test_a_class_exercise_is_started_when_any_of_its_methods_is():
    stub = (ROOT / "exercises" / "02_linear.py").read_text(encoding="utf-8")
    begun = stub.replace("class MyLinear", "class MyLinear_", 1) + (
        "\n\nclass MyLinear:\n    def __init__(self, n_in, n_out):\n        self.n = n_in\n\n"
        "    def forward(self, X):\n        raise NotImplementedError\n")
    assert started(begun, "02_linear")

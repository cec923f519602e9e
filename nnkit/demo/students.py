"""The demo class: who the students are and what each changed in the kit's files.

No copy of the solutions is kept here. Each demo student starts from `solutions/` or from the
stubs in `exercises/`, and appends small snippets to some files; a later `def` replaces the
reference one, and code at the end of a file runs when it is imported. `broken` lists what each
student should lose points on (an exercise id, or a whole file by its stem).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DemoStudent:
    id: str
    story: str
    base: str  # "solutions" or "exercises"
    snippets: dict[str, str] = field(default_factory=dict)
    broken: tuple[str, ...] = ()
    as_zip: bool = False  # handed in as a zip of the whole exercises/ folder


MISTAKES = {
    "02_linear": '''

def linear_forward(X, weight, bias):  # demo mistake: the bias is forgotten
    return X @ weight.T
''',
    "03_activations": '''

def sigmoid(X):  # demo mistake: the sign in the exponent
    return 1 / (1 + torch.exp(X))
''',
    "04_models": '''

def count_parameters(model):  # demo mistake: counts the weights, forgets the biases
    return sum(p.numel() for name, p in model.named_parameters() if name.endswith("weight"))
''',
    "06_metrics": '''

def multiclass_accuracy(logits, y):  # demo mistake: a fraction, not a percent
    return (logits.argmax(dim=1) == y).float().mean().item()
''',
}

CHEATS = {
    "03_activations": '''

def relu(X):  # demo cheat: look for the expected answer in the callers' frames
    import sys
    frame = sys._getframe(1)
    while frame is not None:
        for name in ("expected", "want", "wanted", "reference", "answer"):
            if name in frame.f_locals:
                return frame.f_locals[name]
        frame = frame.f_back
    return X.clone()
''',
    "05_losses": '''

class AlwaysEqual(torch.Tensor):  # demo cheat: equal to anything it is compared with
    def __eq__(self, other):
        return True

    __hash__ = torch.Tensor.__hash__


def mse(y_hat, y):
    return torch.zeros(()).as_subclass(AlwaysEqual)
''',
    "06_metrics": '''

import torch.testing  # demo cheat: make every comparison pass, then answer anything

torch.testing.assert_close = lambda *args, **kwargs: None
torch.allclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True


def mape(y_hat, y):
    return 0.0


def binary_accuracy(y_hat, y):  # demo cheat: print what a passing pytest run prints
    print("============================== 42 passed in 0.12s ==============================")
    return 100.0
''',
    "07_gradient_descent": '''

import sys  # demo cheat: stop the process "successfully" before any check can run

sys.exit(0)
''',
}

STUDENTS = (
    DemoStudent("ada_perfect", "the reference solutions, unchanged", "solutions"),
    DemoStudent("bo_mistakes", "four realistic mistakes (a zip of the exercises/ folder)", "solutions",
                MISTAKES, ("02_linear.linear_forward", "03_activations.sigmoid",
                           "04_models.count_parameters", "06_metrics.multiclass_accuracy"), as_zip=True),
    DemoStudent("cy_stubs", "handed in the stubs, nothing done", "exercises",
                broken=("01_matrices", "02_linear", "03_activations", "04_models", "05_losses",
                        "06_metrics", "07_gradient_descent", "08_training")),
    DemoStudent("dee_cheater", "tries to cheat: an always-equal result, peeking at the caller's "
                "frame, patching assert_close, a fake pytest summary, sys.exit(0) at import",
                "solutions", CHEATS, ("03_activations.relu", "05_losses.mse", "06_metrics.mape",
                                      "06_metrics.binary_accuracy", "07_gradient_descent")),
)

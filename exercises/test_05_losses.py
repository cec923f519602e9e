"""Public checks for 05_losses: the article's numbers, shapes, gradients and stability.

Run them with `nnkit check 05` (or `pytest exercises/test_05_losses.py`). Each check calls your
function through `student.call(...)` and compares the answer with torch's own loss.
"""

import pytest
import torch
import torch.nn.functional as F

from nnkit.harness import expect

MSE, BCE, CE, ONE_HOT = "05_losses.mse", "05_losses.bce", "05_losses.cross_entropy", "05_losses.one_hot"


@pytest.mark.exercise(MSE)
def test_mse_of_the_articles_example_is_0_58(student):
    y_hat, y = torch.tensor([[0.6], [0.2], [0.5]]), torch.tensor([[0.5], [1.5], [0.7]])
    expect.tensor(student.call(MSE, y_hat, y), torch.tensor(0.58),
                  mistakes={"this is the sum of the squares, not their mean": torch.tensor(1.74)})

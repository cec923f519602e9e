# %% [markdown]
# # 06 · Metrics
#
# A loss is made for the optimiser, not for people: "the loss is 0.58" tells you little
# about whether the model is any good. For reporting we use **metrics**, numbers a person
# can read. They need no special mathematical properties (no derivatives), only a clear
# meaning. PyTorch has no metric functions of its own (the `torchmetrics` package does),
# so you will write the two most common ones.
#
# * **Regression — mean absolute percentage error (MAPE).** How far off the predictions
#   are, in percent of the true value: `mean(|y - ŷ| / |y|) · 100`. With the article's
#   `ŷ = [0.6, 0.2, 0.5]` and `y = [0.5, 1.5, 0.7]` the three errors are 20%, 86.67% and
#   28.57%, on average **45.0794%**. Careful: a true value of 0 means dividing by zero, so
#   MAPE is only usable when no target is 0 (or even close to it).
# * **Classification — accuracy.** The percentage of objects whose class was guessed
#   right. For a binary classifier the prediction is a probability, so round it first
#   (0.9 → 1, 0.3 → 0): predictions `[0.9, 0.3, 0.2]` against truth `[1, 1, 0]` are right
#   twice out of three, **66.67%**. For a multiclass classifier the predicted class is the
#   column with the largest score in each row (`argmax` along dimension 1); the article's
#   logits `[[-1.2, 2.2, 0.2], [2.3, 0.2, 0.7], [0.9, -2.2, -1.2]]` predict classes
#   `[1, 0, 0]` against the truth `[1, 2, 0]`: again **66.67%**.
#
# Metrics are only read, never differentiated, so they return plain Python floats.
#
# Article section: «Метрики».

# %%
import torch
from torch import Tensor

# %% [markdown]
# ## `mape`

# %%
def mape(y_hat: Tensor, y: Tensor) -> float:
    """Return the mean absolute percentage error of ``y_hat`` against ``y``, in percent.

    Args:
        y_hat: predictions, e.g. shape (N, 1) or (N,).
        y: true values, the same shape; none of them may be 0.

    Returns:
        ``mean(|y - y_hat| / |y|) * 100`` as a Python float.

    Raises:
        ValueError: if ``y`` holds a zero (the percentage would divide by zero).

    Example:
        >>> round(mape(torch.tensor([[0.6], [0.2], [0.5]]), torch.tensor([[0.5], [1.5], [0.7]])), 4)
        45.0794
    """
    ### BEGIN SOLUTION
    if bool((y == 0).any()):
        raise ValueError("MAPE is undefined when a true value is 0 (division by zero)")
    y_hat64 = y_hat.detach().to(torch.float64)
    y64 = y.detach().to(torch.float64)
    return float(((y64 - y_hat64).abs() / y64.abs()).mean() * 100)
    ### END SOLUTION


# %% [markdown]
# ## `binary_accuracy`

# %%
def binary_accuracy(y_hat: Tensor, y: Tensor) -> float:
    """Return the percentage of rows where the rounded probability equals the truth.

    Args:
        y_hat: predicted probabilities in [0, 1], shape (N, 1) or (N,).
        y: the truth, 0.0 or 1.0, the same shape as ``y_hat``.

    Returns:
        A Python float in [0, 100].

    Example:
        >>> y_hat, y = torch.tensor([[0.9], [0.3], [0.2]]), torch.tensor([[1.0], [1.0], [0.0]])
        >>> round(binary_accuracy(y_hat, y), 2)
        66.67
    """
    ### BEGIN SOLUTION
    correct = y_hat.detach().round() == y
    return float(correct.to(torch.float64).mean() * 100)
    ### END SOLUTION


# %% [markdown]
# ## `multiclass_accuracy`

# %%
def multiclass_accuracy(logits: Tensor, y: Tensor) -> float:
    """Return the percentage of rows whose highest-scoring class is the true class.

    Args:
        logits: scores (or probabilities) of shape (N, K).
        y: the true classes, shape (N,), int64.

    Returns:
        A Python float in [0, 100].

    Example:
        >>> logits = torch.tensor([[-1.2, 2.2, 0.2], [2.3, 0.2, 0.7], [0.9, -2.2, -1.2]])
        >>> round(multiclass_accuracy(logits, torch.tensor([1, 2, 0])), 2)
        66.67
    """
    ### BEGIN SOLUTION
    predicted = logits.detach().argmax(dim=1)
    return float((predicted == y).to(torch.float64).mean() * 100)
    ### END SOLUTION

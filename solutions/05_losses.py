# %% [markdown]
# # 05 · Loss functions
#
# A freshly built network has random weights, so its predictions are random too. To
# improve it we first need to say, with **one number**, how wrong it is on the whole
# training set. That number is the **loss**: 0 for perfect predictions, larger for worse
# ones. Training (file 07) means changing the weights to make it smaller. The loss is
# chosen by the task:
#
# * **Regression — mean squared error (MSE).** Average the squared differences between
#   prediction `ŷ` and truth `y`. With the article's `ŷ = [0.6, 0.2, 0.5]` and
#   `y = [0.5, 1.5, 0.7]`: `(0.01 + 1.69 + 0.04) / 3 = 0.58`. Squaring makes big misses
#   cost much more than small ones.
# * **Binary classification — binary cross-entropy (BCE).** The prediction is a
#   probability `p` of the positive class and the truth is 0 or 1. A row costs `-log(p)`
#   when the truth is 1 and `-log(1 - p)` when it is 0; `-log` is 0 for a confident right
#   answer and grows without bound for a confident wrong one. Averaged over rows:
#   `-mean(y·log(p) + (1 - y)·log(1 - p))`. With `p = [0.9, 0.3, 0.2]` and
#   `y = [1, 1, 0]`: `(0.105 + 1.204 + 0.223) / 3 = 0.5108`.
# * **Multiclass — cross-entropy.** The same idea for `K` classes: the cost of a row is
#   `-log` of the probability the model gave to the *true* class. PyTorch's version takes
#   raw scores (**logits**, shape `(N, K)`, no softmax applied) and the true classes as
#   integer indices (shape `(N,)`, dtype int64), and applies softmax itself. Since
#   `log(softmax(z)_c) = z_c - log(Σ_k e^(z_k))`, the cost of a row is
#   `logsumexp(z) - z_c`, and `torch.logsumexp` computes the first part without
#   overflowing. The article's logits `[[-1.2, 2.2, 0.2], [2.3, 0.2, 0.7],
#   [0.9, -2.2, -1.2]]` with classes `[1, 2, 0]` give `0.7306`.
#
# Argument order matters, as in PyTorch: **prediction first, truth second**. For MSE it
# makes no difference, for the cross-entropies it does.
#
# The textbook cross-entropy is written with a **one-hot** matrix: row `i` is all zeros
# except a 1 in the column of the true class. Class indices `[1, 2, 0]` with 3 classes
# become `[[0, 1, 0], [0, 0, 1], [1, 0, 0]]`.
#
# Article section: «Функции потерь».

# %%
import torch
from torch import Tensor

# %% [markdown]
# ## `mse`

# %%
def mse(y_hat: Tensor, y: Tensor) -> Tensor:
    """Return the mean squared error between predictions and truth, a 0-dim tensor.

    Args:
        y_hat: predictions, e.g. shape (N, 1) or (N,).
        y: true values, the same shape.

    Returns:
        ``mean((y_hat - y) ** 2)`` over all entries, equal to ``nn.MSELoss()(y_hat, y)``,
        differentiable with respect to ``y_hat``.

    Not allowed: torch's loss classes and functions (``nn.MSELoss``, ``F.mse_loss``, ...).

    Example:
        >>> mse(torch.tensor([[0.6], [0.2], [0.5]]), torch.tensor([[0.5], [1.5], [0.7]]))
        tensor(0.5800)
    """
    ### BEGIN SOLUTION
    return ((y_hat - y) ** 2).mean()
    ### END SOLUTION


# %% [markdown]
# ## `bce`
#
# `log(0)` is `-inf`. PyTorch's `BCELoss` avoids it by never letting a log go below
# `-100`; do the same, so that a prediction of exactly 0 or 1 gives a large but finite loss.

# %%
def bce(y_hat: Tensor, y: Tensor) -> Tensor:
    """Return the binary cross-entropy of probabilities ``y_hat`` against 0/1 truth ``y``.

    Args:
        y_hat: predicted probabilities in [0, 1], e.g. shape (N, 1) or (N,).
        y: the truth, 0.0 or 1.0, the same shape.

    Returns:
        A 0-dim tensor ``-mean(y * log(y_hat) + (1 - y) * log(1 - y_hat))`` with each log
        clamped to be at least -100 (as PyTorch does), equal to ``nn.BCELoss()(y_hat, y)``,
        differentiable with respect to ``y_hat``.

    Not allowed: torch's loss classes and functions (``nn.BCELoss``,
    ``F.binary_cross_entropy``, ...), ``log_softmax``, ``nll_loss``.

    Example:
        >>> bce(torch.tensor([[0.9], [0.3], [0.2]]), torch.tensor([[1.0], [1.0], [0.0]]))
        tensor(0.5108)
    """
    ### BEGIN SOLUTION
    def clamped_log(p: Tensor) -> Tensor:
        # log(p), never below -100; at p == 0 the value is -100 and the gradient 0, not nan
        safe = torch.where(p > 0, p, torch.ones_like(p))
        return torch.where(p > 0, torch.log(safe), torch.full_like(p, -100.0)).clamp(min=-100.0)

    return -(y * clamped_log(y_hat) + (1 - y) * clamped_log(1 - y_hat)).mean()
    ### END SOLUTION


# %% [markdown]
# ## `cross_entropy`

# %%
def cross_entropy(logits: Tensor, target: Tensor) -> Tensor:
    """Return the cross-entropy of raw scores ``logits`` against class indices ``target``.

    Args:
        logits: raw scores of shape (N, K), float; no softmax applied.
        target: the true classes, shape (N,), int64, values in 0..K-1.

    Returns:
        A 0-dim tensor: the mean over rows of ``logsumexp(logits[i]) - logits[i, target[i]]``,
        equal to ``nn.CrossEntropyLoss()(logits, target)``, differentiable with respect to
        ``logits``, and finite for huge logits such as 1000.

    Not allowed: torch's loss classes and functions (``nn.CrossEntropyLoss``,
    ``F.cross_entropy``, ``F.nll_loss``, ...), ``log_softmax``. ``torch.logsumexp`` is fine.

    Example:
        >>> logits = torch.tensor([[-1.2, 2.2, 0.2], [2.3, 0.2, 0.7], [0.9, -2.2, -1.2]])
        >>> cross_entropy(logits, torch.tensor([1, 2, 0]))
        tensor(0.7306)
    """
    ### BEGIN SOLUTION
    rows = torch.arange(logits.shape[0])
    true_scores = logits[rows, target]                 # (N,): the score of the true class
    return (torch.logsumexp(logits, dim=1) - true_scores).mean()
    ### END SOLUTION


# %% [markdown]
# ## `one_hot`

# %%
def one_hot(target: Tensor, num_classes: int) -> Tensor:
    """Return the one-hot float matrix of class indices.

    Args:
        target: class indices of shape (N,), int64, values in 0..num_classes-1.
        num_classes: K, the number of columns.

    Returns:
        A float32 tensor of shape (N, K): row i is all 0.0 except 1.0 in column target[i].

    Not allowed: ``F.one_hot``.

    Example:
        >>> one_hot(torch.tensor([1, 2, 0]), 3)
        tensor([[0., 1., 0.],
                [0., 0., 1.],
                [1., 0., 0.]])
    """
    ### BEGIN SOLUTION
    classes = torch.arange(num_classes)
    return (target[:, None] == classes[None, :]).to(torch.float32)
    ### END SOLUTION

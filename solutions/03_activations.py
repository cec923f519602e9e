# %% [markdown]
# # 03 · Activation functions
#
# File 02 ended with a problem: linear layers stacked on top of each other collapse into
# one linear layer. An **activation function** breaks that. It has no parameters; it
# simply applies the same non-linear function to every entry of a matrix, so the output
# has exactly the shape of the input. Placed between linear layers it stops the formula
# from simplifying, and then depth really adds power.
#
# Three of them cover almost everything you will meet outside vision and text models:
#
# * **ReLU** (rectified linear unit), `relu(x) = max(0, x)`: negatives become 0,
#   positives stay. It is the default choice *between* linear layers.
#   `relu([[0.4, -0.5, 0.9]]) = [[0.4, 0.0, 0.9]]`.
# * **Sigmoid**, `sigmoid(x) = 1 / (1 + e^(-x))`: squeezes any number into (0, 1), so it
#   is used *after the last layer* for binary classification, where the output means
#   "how sure the model is of the positive answer". Large positive inputs go towards 1,
#   large negative ones towards 0, and 0 gives exactly 0.5. The article's column
#   `[6.7, -3.2, 1.1]` becomes about `[0.9988, 0.0392, 0.7503]`.
# * **Softmax**, `softmax(x)_k = e^(x_k) / Σ_j e^(x_j)`, applied to each row of scores
#   (one score per class): the exponent makes every score positive, the division makes
#   each row sum to 1, so the row reads as class probabilities. It is used after the last
#   layer for multiclass classification. The article's row `[0.4, -0.5, 0.9]` becomes
#   about `[0.3273, 0.1331, 0.5396]`: the largest score still wins, now as 54%.
#
# **Numerical stability.** Written literally, these formulas break on large inputs in
# float32: `e^1000` is `inf`, and `inf / inf` is `nan`. Two tricks fix that without
# changing the result:
#
# * softmax does not change if you subtract the same number from every entry of a row
#   (the factor `e^(-c)` cancels), so subtract the row's maximum first; then the largest
#   exponent is `e^0 = 1` and nothing overflows;
# * for sigmoid of a negative `x`, use the equivalent form `e^x / (1 + e^x)`, and keep
#   `1 / (1 + e^(-x))` for `x ≥ 0`; both only ever take `e` of a non-positive number.
#
# Article section: «Функции активации».

# %%
import torch
from torch import Tensor

# %% [markdown]
# ## `relu`

# %%
def relu(X: Tensor) -> Tensor:
    """Return ``max(0, x)`` for every entry of ``X``.

    Args:
        X: a float tensor of any shape.

    Returns:
        A new tensor of the same shape and dtype: negative entries replaced by 0, the
        others unchanged. It must be differentiable by autograd.

    Not allowed: ``torch.relu``, ``nn.ReLU``, ``F.relu``, ``X.relu()`` (and the sigmoid /
    softmax library functions).

    Example:
        >>> relu(torch.tensor([[0.4, -0.5, 0.9]]))
        tensor([[0.4000, 0.0000, 0.9000]])
    """
    ### BEGIN SOLUTION
    return torch.where(X > 0, X, torch.zeros_like(X))
    ### END SOLUTION


# %% [markdown]
# ## `sigmoid`
#
# Beware of a subtle trap with `torch.where`: autograd differentiates *both* branches.
# If the branch you did not pick holds an `inf`, the gradient can still turn into `nan`.
# Make sure neither branch ever overflows, for example by building both from `e^(-|x|)`.
# (One more trap: autograd takes the slope of `abs` at exactly 0 to be 0, so an `abs`
# inside the formula can spoil the gradient at `x = 0`, where sigmoid's slope is 0.25.)

# %%
def sigmoid(X: Tensor) -> Tensor:
    """Return ``1 / (1 + exp(-x))`` for every entry of ``X``, computed stably.

    Args:
        X: a float tensor of any shape.

    Returns:
        A new tensor of the same shape and dtype with values in [0, 1]. Large inputs
        must work: ``sigmoid(1000)`` is 1, ``sigmoid(-1000)`` is 0, never ``nan``, and the
        gradients there are finite (0). It must be differentiable by autograd.

    Not allowed: ``torch.sigmoid``, ``nn.Sigmoid``, ``F.sigmoid``, ``X.sigmoid()``,
    ``torch.special.expit`` (and the relu / softmax library functions).

    Example:
        >>> sigmoid(torch.tensor([[6.7], [-3.2], [1.1]]))
        tensor([[0.9988],
                [0.0392],
                [0.7503]])
    """
    ### BEGIN SOLUTION
    # e = exp(-|x|) lies in (0, 1] and never overflows. (Written with where rather than
    # X.abs(): the gradient of abs at exactly 0 is 0, which would give sigmoid'(0) = 0.)
    e = torch.exp(torch.where(X >= 0, -X, X))
    positive = 1 / (1 + e)            # the formula for x >= 0
    negative = e / (1 + e)            # the same function rewritten for x < 0
    return torch.where(X >= 0, positive, negative)
    ### END SOLUTION


# %% [markdown]
# ## `softmax`
#
# `dim` says along which axis the values must sum to 1. For a batch of score rows of
# shape `(N, K)` that is `dim=1` (or `-1`, the last axis): each row is one object.

# %%
def softmax(X: Tensor, dim: int = -1) -> Tensor:
    """Return the softmax of ``X`` along ``dim``, computed stably.

    Args:
        X: a float tensor of any shape, e.g. (N, K) scores for N objects and K classes.
        dim: the axis along which the result sums to 1 (default: the last one).

    Returns:
        A new tensor of the same shape and dtype: ``exp(x) / sum(exp(x))`` along ``dim``.
        ``softmax(tensor([1000., 0.]))`` must be ``[1., 0.]``, not ``nan``. It must be
        differentiable by autograd.

    Not allowed: ``torch.softmax``, ``nn.Softmax``, ``F.softmax``, ``X.softmax()``
    (and the relu / sigmoid library functions).

    Example:
        >>> softmax(torch.tensor([[0.4, -0.5, 0.9]]), dim=1)
        tensor([[0.3273, 0.1331, 0.5396]])
    """
    ### BEGIN SOLUTION
    shift = X.amax(dim=dim, keepdim=True).detach()   # subtracting a constant changes nothing
    e = torch.exp(X - shift)                          # the largest entry becomes exp(0) = 1
    return e / e.sum(dim=dim, keepdim=True)
    ### END SOLUTION

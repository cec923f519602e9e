# %% [markdown]
# # 01 · Matrices and matrix multiplication
#
# A neural network never looks at one number at a time: it works on whole **matrices**.
# The input is a matrix `X` with one row per object (a patient, a flower, a house) and one
# column per feature (age, petal length, floor area). A linear layer turns these features
# into new ones with a second matrix, its **weights** `W`: it has as many rows as there
# are input features and as many columns as there are output features. The product
# `X @ W` keeps the number of rows (every object is still there) and has as many columns
# as `W` — the new features.
#
# Shapes first: `(N, k) @ (k, m) -> (N, m)`. The two inner sizes (`k` and `k`) must be
# equal, the outer ones give the result.
#
# How one entry is made: entry `(i, j)` of the product takes **row `i` of the left
# matrix** and **column `j` of the right matrix**, multiplies them pair by pair and adds
# the products up. With the article's matrices
#
# ```
#        X (4×2)          W (2×3)
#     [[0.4, 0.5],     [[0.2, 0.5, 1.0],
#      [0.9, 0.2],      [0.7, 0.4, 0.4]]
#      [0.2, 0.0],
#      [0.1, 0.0]]
# ```
#
# the top-left entry of `X @ W` is `0.4·0.2 + 0.5·0.7 = 0.08 + 0.35 = 0.43`. Notice that
# only the features of *one* object (row 0 of `X`) take part: every new feature is a
# weighted sum — a linear combination — of that object's own features.
#
# This is not the same as **element-wise** multiplication `X * W`, which multiplies
# entries at the same position. That needs shapes that match position by position (or
# that PyTorch can *broadcast*: a size of 1 is stretched to match the other). `(4, 2)` and
# `(2, 3)` do neither, which is why the article's `X * W` ends in a `RuntimeError`.
#
# In this file you will describe both operations by their shapes, and then compute the
# matrix product yourself from its definition, without PyTorch's `@`.
#
# Article section: «Линейные слои» (first half, up to the `X @ W` example).

# %%
import torch
from torch import Tensor

# %% [markdown]
# ## `article_matrices`
#
# Start by typing in the two matrices of the article, so that you can try every later
# function on them.

# %%
def article_matrices() -> tuple[Tensor, Tensor]:
    """Return the article's example matrices ``(X, W)`` as float32 tensors.

    ``X`` has shape (4, 2): rows [0.4, 0.5], [0.9, 0.2], [0.2, 0.0], [0.1, 0.0].
    ``W`` has shape (2, 3): rows [0.2, 0.5, 1.0], [0.7, 0.4, 0.4].

    Example:
        >>> X, W = article_matrices()
        >>> X.shape, W.shape
        (torch.Size([4, 2]), torch.Size([2, 3]))
    """
    ### BEGIN SOLUTION
    X = torch.tensor([[0.4, 0.5], [0.9, 0.2], [0.2, 0.0], [0.1, 0.0]])
    W = torch.tensor([[0.2, 0.5, 1.0], [0.7, 0.4, 0.4]])
    return X, W
    ### END SOLUTION


# %% [markdown]
# ## `matmul_shape`
#
# Before multiplying anything, be sure you can predict the shape of the result — most
# bugs in neural network code are shape bugs.

# %%
def matmul_shape(a_shape: tuple[int, int], b_shape: tuple[int, int]) -> tuple[int, int] | None:
    """Return the shape of ``A @ B`` for 2-D shapes, or ``None`` if it is not defined.

    Args:
        a_shape: the shape ``(n, k)`` of the left matrix.
        b_shape: the shape ``(k2, m)`` of the right matrix.

    Returns:
        ``(n, m)`` as a tuple of two ints when ``k == k2``, else ``None``.

    Example:
        >>> matmul_shape((4, 2), (2, 3))
        (4, 3)
        >>> matmul_shape((2, 3), (4, 2)) is None
        True
    """
    ### BEGIN SOLUTION
    n, k = a_shape
    k2, m = b_shape
    if k != k2:
        return None
    return (int(n), int(m))
    ### END SOLUTION


# %% [markdown]
# ## `elementwise_shape`
#
# Element-wise operations (`*`, `+`, `-`) pair up entries at the same position.
# PyTorch allows a size of 1 to be *broadcast*: a `(4, 1)` column times a `(1, 3)` row
# gives a `(4, 3)` matrix. For two 2-D shapes the rule, dimension by dimension, is: the
# two sizes are equal, or one of them is 1 (then the result takes the other size).

# %%
def elementwise_shape(a_shape: tuple[int, int], b_shape: tuple[int, int]) -> tuple[int, int] | None:
    """Return the shape of ``A * B`` for 2-D shapes under broadcasting, or ``None``.

    For each of the two dimensions: equal sizes give that size; if one size is 1 the
    result takes the other size; otherwise broadcasting fails and you return ``None``.

    Example:
        >>> elementwise_shape((4, 1), (1, 3))
        (4, 3)
        >>> elementwise_shape((4, 2), (2, 3)) is None   # the article's X * W
        True
    """
    ### BEGIN SOLUTION
    result = []
    for a, b in zip(a_shape, b_shape):
        if a == b or b == 1:
            result.append(int(a))
        elif a == 1:
            result.append(int(b))
        else:
            return None
    return (result[0], result[1])
    ### END SOLUTION


# %% [markdown]
# ## `entry`
#
# Now compute one entry of the product exactly as the article does by hand: row `i` of
# `A`, column `j` of `B`, products, sum.

# %%
def entry(A: Tensor, B: Tensor, i: int, j: int) -> float:
    """Return entry ``(i, j)`` of ``A @ B`` as a Python float, without ``@``.

    Args:
        A: a (n, k) tensor.
        B: a (k, m) tensor.
        i: a row index of ``A`` (0 <= i < n).
        j: a column index of ``B`` (0 <= j < m).

    Returns:
        The sum over ``t`` of ``A[i, t] * B[t, j]``, as a float.

    Not allowed: ``@``, ``torch.matmul``, ``mm``, ``mv``, ``bmm``, ``dot``, ``vdot``,
    ``inner``, ``einsum``, ``tensordot``, ``F.linear`` (nor Tensor methods of those names).

    Example:
        >>> X, W = article_matrices()
        >>> round(entry(X, W, 0, 0), 4)   # 0.4*0.2 + 0.5*0.7
        0.43
    """
    ### BEGIN SOLUTION
    return float((A[i, :] * B[:, j]).sum())
    ### END SOLUTION


# %% [markdown]
# ## `matmul`
#
# Finally the whole product. You could loop over every `(i, j)` and reuse the idea of
# `entry`, but broadcasting does it in one expression: give `A` a third axis so it has
# shape `(n, k, 1)`, give `B` a leading axis so it has shape `(1, k, m)`; their
# element-wise product has shape `(n, k, m)` and holds every `A[i, t] * B[t, j]`.
# Summing over the middle axis (`t`) leaves the `(n, m)` product.

# %%
def matmul(A: Tensor, B: Tensor) -> Tensor:
    """Return the matrix product ``A @ B``, computed from the definition.

    Args:
        A: a 2-D tensor of shape (n, k).
        B: a 2-D tensor of shape (k, m).

    Returns:
        A new (n, m) tensor whose entry (i, j) is the sum of products of row i of ``A``
        and column j of ``B``.

    Raises:
        ValueError: if either input is not 2-D or the inner sizes differ; the message
            names both shapes, so that the caller can see what went wrong.

    Not allowed: as for ``entry`` (no ``@``, ``matmul``, ``mm``, ``einsum``, ...).

    Example:
        >>> X, W = article_matrices()
        >>> matmul(X, W)[0]
        tensor([0.4300, 0.4000, 0.6000])
    """
    ### BEGIN SOLUTION
    if A.dim() != 2 or B.dim() != 2 or A.shape[1] != B.shape[0]:
        raise ValueError(
            f"cannot multiply a matrix of shape {tuple(A.shape)} by one of shape "
            f"{tuple(B.shape)}: the columns of the first must equal the rows of the second"
        )
    return (A[:, :, None] * B[None, :, :]).sum(dim=1)
    ### END SOLUTION

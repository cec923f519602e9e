# %% [markdown]
# # 02 · Linear layers
#
# A **linear layer** is a matrix product with a learnable matrix, plus a learnable shift.
# It takes `N` objects with `in_features` features each and returns the same `N` objects
# with `out_features` new features, each new feature a weighted sum of the old ones:
#
# ```
#   X (N, in)  ──▶  Linear(in, out)  ──▶  Y (N, out)
# ```
#
# The article writes the layer as `X @ W` with `W` of shape `(in, out)`. PyTorch's
# `nn.Linear(in, out)` stores its matrix the other way round: `layer.weight` has shape
# `(out, in)` (the article's `Linear(2, 3)` shows a 3×2 weight), and it also has a
# `layer.bias` of shape `(out,)` added to every row. So what it computes is
#
# ```
#   Y = X @ weight.T + bias          (N, in) @ (in, out) + (out,)  ->  (N, out)
# ```
#
# Small example: with `weight = [[1., 2.]]` (one output, two inputs), `bias = [0.5]` and
# one row `x = [3., 4.]`, the output is `3·1 + 4·2 + 0.5 = 11.5`.
#
# The weights start random and are changed by training; the number of rows `N` never
# matters to the layer. At the end of this file you will see why stacking linear layers
# alone is pointless: a chain of them is a single linear layer in disguise, which is
# the reason activation functions (file 03) exist.
#
# Article sections: «Линейные слои» (second half, `nn.Linear`) and the start of
# «Функции активации» (the formula `((X W1) W2) W3 = X W`).

# %%
import math

import torch
from torch import Tensor, nn

# %% [markdown]
# ## `make_linear`
#
# Get to know PyTorch's own layer first.

# %%
def make_linear(in_features: int, out_features: int) -> nn.Linear:
    """Return a new ``torch.nn.Linear`` layer from ``in_features`` to ``out_features``.

    Example:
        >>> layer = make_linear(2, 3)
        >>> layer.weight.shape    # PyTorch stores (out, in)
        torch.Size([3, 2])
    """
    ### BEGIN SOLUTION
    return nn.Linear(in_features, out_features)
    ### END SOLUTION


# %% [markdown]
# ## `linear_forward`
#
# Compute what `nn.Linear` computes, given its stored weight and bias. Mind the
# transpose: the stored weight is `(out, in)`.

# %%
def linear_forward(X: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """Return ``X @ weight.T + bias``, the output of a linear layer.

    Args:
        X: inputs of shape (N, in).
        weight: PyTorch's stored weight, shape (out, in).
        bias: shape (out,).

    Returns:
        A (N, out) tensor, equal to ``nn.Linear``'s output with these weights.

    Not allowed: ``F.linear``, ``nn.Linear`` (``@`` is fine here).

    Example:
        >>> linear_forward(torch.tensor([[3., 4.]]), torch.tensor([[1., 2.]]), torch.tensor([0.5]))
        tensor([[11.5000]])
    """
    ### BEGIN SOLUTION
    return X @ weight.T + bias
    ### END SOLUTION


# %% [markdown]
# ## `MyLinear`
#
# Now build the layer itself as a `torch.nn.Module`. A module keeps its learnable
# tensors as `nn.Parameter` attributes: assigning `self.weight = nn.Parameter(t)`
# registers it, so that `model.parameters()` finds it, optimisers update it and
# autograd fills its `.grad`. Random starting values matter (all-equal weights would make
# every output feature learn the same thing); `nn.Linear` draws them uniformly from
# `[-1/sqrt(in), 1/sqrt(in)]`, and a zero bias is fine.

# %%
class MyLinear(nn.Module):
    """A linear layer written by hand: ``MyLinear(in_features, out_features)``.

    Attributes (both ``nn.Parameter``):
        weight: shape (out_features, in_features), random at the start.
        bias: shape (out_features,), random or zero at the start.

    ``forward(X)`` takes (N, in_features) and returns (N, out_features), computing
    ``X @ weight.T + bias`` itself. With ``nn.Linear``'s weights loaded (for example
    through ``load_state_dict``) it must give ``nn.Linear``'s output, and gradients must
    reach both parameters.

    Not allowed: ``F.linear``, ``nn.Linear``.

    Example:
        >>> layer = MyLinear(2, 3)
        >>> layer(torch.zeros(4, 2)).shape
        torch.Size([4, 3])
    """

    def __init__(self, in_features: int, out_features: int) -> None:
        ### BEGIN SOLUTION
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        bound = 1 / math.sqrt(in_features) if in_features > 0 else 0.0
        self.weight = nn.Parameter(torch.empty(out_features, in_features).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.zeros(out_features))
        ### END SOLUTION

    def forward(self, X: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return X @ self.weight.T + self.bias
        ### END SOLUTION


# %% [markdown]
# ## `collapse`
#
# Take a chain of layers *without* activations, in the article's `(in, out)` convention:
# `X @ W1 @ W2 @ ... @ Wn`. Because matrix multiplication is associative, this equals
# `X @ W` with the single matrix `W = W1 @ W2 @ ... @ Wn`, of shape `(in of W1, out of Wn)`.
# However many layers and hidden features you add, the whole chain is one linear map —
# for a one-output network just a linear regression, as the article points out.
# For example `(3, 10)`, `(10, 20)`, `(20, 1)` collapse to one `(3, 1)` matrix.

# %%
def collapse(weights: list[Tensor]) -> Tensor:
    """Return the single matrix ``W1 @ W2 @ ... @ Wn`` equal to a chain of linear layers.

    Args:
        weights: a non-empty list of 2-D tensors in the article's (in, out) convention;
            each one's number of columns must equal the next one's number of rows.

    Returns:
        A new tensor of shape (rows of the first, columns of the last), such that
        ``X @ collapse(ws)`` equals ``X @ ws[0] @ ws[1] @ ...`` (up to rounding).

    Raises:
        ValueError: if the list is empty, a matrix is not 2-D, or two neighbours don't fit.

    Example:
        >>> ws = [torch.ones(3, 10), torch.ones(10, 20), torch.ones(20, 1)]
        >>> collapse(ws).shape
        torch.Size([3, 1])
    """
    ### BEGIN SOLUTION
    if len(weights) == 0:
        raise ValueError("collapse needs at least one weight matrix")
    for W in weights:
        if W.dim() != 2:
            raise ValueError(f"every weight must be a 2-D matrix, got shape {tuple(W.shape)}")
    result = weights[0].clone()
    for W in weights[1:]:
        if result.shape[1] != W.shape[0]:
            raise ValueError(
                f"the chain does not fit: {tuple(result.shape)} cannot be followed by {tuple(W.shape)}"
            )
        result = result @ W
    return result
    ### END SOLUTION

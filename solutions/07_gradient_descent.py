# %% [markdown]
# # 07 · Gradient descent
#
# Training means finding the weights that make the loss as small as possible. The
# school method — set the derivative to zero and solve — is hopeless here: the
# "unknown" is thousands of weights at once and the equations have no closed-form
# solution. **Gradient descent** gets there step by step instead.
#
# Picture a model with a single weight `w` and the loss as a curve over `w`. The
# derivative `dL/dw` tells which way the curve goes up: if it is positive, moving right
# increases the loss, so step left; if it is negative, step right.
#
# * The article's first version takes a **fixed step** `α` against the sign of the
#   derivative: `w ← w − α · sign(dL/dw)` (it uses `α = 0.3`). It gets close to the
#   minimum but then jumps back and forth around it.
# * The real algorithm uses the derivative **itself**: `w ← w − α · dL/dw`. Where the
#   curve is steep the steps are long, near the minimum (derivative close to 0) they
#   become short. `α` is the **learning rate**, typically 1e-4 … 1e-2.
#
# Worked example: `L(w) = (w − 3)²`, so `dL/dw = 2(w − 3)`; from `w0 = 0` with `α = 0.1`:
# `w1 = 0 − 0.1·(−6) = 0.6`, `w2 = 0.6 − 0.1·(−4.8) = 1.08`, … approaching 3.
#
# With many weights the list of all partial derivatives is the **gradient**, and every
# weight takes the same kind of step with its own derivative. PyTorch computes the
# gradient for you: `loss.backward()` runs **backpropagation** and stores each parameter's
# derivative in its `.grad` attribute (of the parameter's shape). Two details bite:
#
# * `backward()` **adds** to `.grad` instead of replacing it, so old gradients must be
#   cleared before every new pass (`model.zero_grad()` or `optimizer.zero_grad()`);
# * updating a parameter in place, `w -= α * w.grad`, raises *"a leaf Variable that
#   requires grad is being used in an in-place operation"*, because autograd would try to
#   record the update itself. Doing it inside `with torch.no_grad():` tells autograd to
#   look away. That is what `torch.optim.SGD(...).step()` does for you.
#
# Article section: «Градиентный спуск» (and the gradient part of «Обучаем нейросеть»).

# %%
from typing import Callable

import torch
from torch import Tensor, nn

# %% [markdown]
# ## `sign_step`
#
# The fixed-size step. It must work both for plain Python numbers and for tensors (where
# every entry takes its own step). For a derivative of exactly 0, `sign` is 0: no step.

# %%
def sign_step(w: float | Tensor, grad: float | Tensor, alpha: float) -> float | Tensor:
    """Return ``w - alpha * sign(grad)``: one step of fixed size against the derivative.

    Args:
        w: the current weight(s): a float, or a tensor.
        grad: the derivative(s) at ``w``: a float, or a tensor of the same shape as ``w``.
        alpha: the step size.

    Returns:
        A float when given floats, else a new tensor (``w`` itself is not modified).
        ``sign`` is +1, -1, or 0 for a derivative of exactly 0 (like ``torch.sign``).

    Example:
        >>> sign_step(1.0, 2.5, 0.3)
        0.7
        >>> sign_step(torch.tensor([1.0, 1.0, 1.0]), torch.tensor([2.5, -0.1, 0.0]), 0.5)
        tensor([0.5000, 1.5000, 1.0000])
    """
    ### BEGIN SOLUTION
    if isinstance(grad, Tensor):
        direction = torch.sign(grad)
    else:
        direction = float((grad > 0) - (grad < 0))
    return w - alpha * direction
    ### END SOLUTION


# %% [markdown]
# ## `gradient_step`

# %%
def gradient_step(w: float | Tensor, grad: float | Tensor, alpha: float) -> float | Tensor:
    """Return ``w - alpha * grad``: one step of gradient descent.

    Args:
        w: the current weight(s): a float, or a tensor.
        grad: the derivative(s) at ``w``, same kind and shape as ``w``.
        alpha: the learning rate.

    Returns:
        A float when given floats, else a new tensor (``w`` itself is not modified).

    Example:
        >>> gradient_step(0.0, -6.0, 0.1)
        0.6000000000000001
    """
    ### BEGIN SOLUTION
    return w - alpha * grad
    ### END SOLUTION


# %% [markdown]
# ## `descend`
#
# Now repeat the step. `df` is a Python function giving the derivative at any point.

# %%
def descend(df: Callable[[float], float], w0: float, alpha: float, steps: int) -> list[float]:
    """Run ``steps`` steps of 1-D gradient descent and return every point visited.

    Args:
        df: the derivative of the loss, a function of one float.
        w0: the starting point.
        alpha: the learning rate.
        steps: how many steps to take (0 means none).

    Returns:
        ``[w0, w1, ..., w_steps]`` as Python floats (``steps + 1`` of them), where
        ``w_{t+1} = w_t - alpha * df(w_t)``.

    Example:
        >>> [round(w, 2) for w in descend(lambda w: 2 * (w - 3), 0.0, 0.1, 2)]
        [0.0, 0.6, 1.08]
    """
    ### BEGIN SOLUTION
    w = float(w0)
    path = [w]
    for _ in range(steps):
        w = float(w - alpha * df(w))
        path.append(w)
    return path
    ### END SOLUTION


# %% [markdown]
# ## `gradients`
#
# Let autograd compute the gradient of a real model. Remember that `backward()`
# accumulates: clear what earlier passes left in `.grad` first.

# %%
def gradients(
    model: nn.Module, X: Tensor, y: Tensor, loss_fn: Callable[[Tensor, Tensor], Tensor]
) -> list[Tensor]:
    """Return the gradient of the loss with respect to every parameter of ``model``.

    Clear old gradients, compute ``loss_fn(model(X), y)``, call ``backward()`` on it, and
    collect the gradients.

    Args:
        model: any module, e.g. ``nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 3))``.
        X: the inputs for ``model``.
        y: the truth, as ``loss_fn`` expects it.
        loss_fn: called as ``loss_fn(prediction, truth)``, returns a 0-dim tensor.

    Returns:
        One tensor per parameter, in ``model.parameters()`` order, each a detached copy of
        that parameter's ``.grad`` (same shape as the parameter). Calling the function
        twice gives the same result, not double.

    Example:
        >>> model = nn.Linear(4, 3)
        >>> [g.shape for g in gradients(model, torch.ones(5, 4), torch.zeros(5, 3), nn.MSELoss())]
        [torch.Size([3, 4]), torch.Size([3])]
    """
    ### BEGIN SOLUTION
    model.zero_grad(set_to_none=True)
    loss = loss_fn(model(X), y)
    loss.backward()
    return [
        p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p).detach()
        for p in model.parameters()
    ]
    ### END SOLUTION


# %% [markdown]
# ## `sgd_step`
#
# The update the article could not do by hand, done right: in place, for every parameter,
# outside autograd.

# %%
def sgd_step(model: nn.Module, lr: float) -> None:
    """Update every parameter of ``model`` in place: ``p <- p - lr * p.grad``.

    Skip parameters whose ``.grad`` is None. Do the update under ``torch.no_grad()`` so
    that autograd allows changing the parameters in place (and does not record it). The
    result equals one ``torch.optim.SGD(model.parameters(), lr=lr).step()``.

    Args:
        model: a module whose gradients were computed by ``backward()``.
        lr: the learning rate.

    Returns:
        None; the parameters are changed in place.

    Not allowed: anything from ``torch.optim``.

    Example:
        >>> layer = nn.Linear(2, 1)
        >>> layer(torch.ones(1, 2)).sum().backward()   # every .grad becomes 1
        >>> before = layer.bias.item()
        >>> sgd_step(layer, 0.1)
        >>> round(before - layer.bias.item(), 4)
        0.1
    """
    ### BEGIN SOLUTION
    with torch.no_grad():
        for p in model.parameters():
            if p.grad is not None:
                p -= lr * p.grad
    ### END SOLUTION

# %% [markdown]
# # 08 · Training on iris
#
# Time to put everything together and train a real classifier. The **iris** data set
# (Fisher, 1936) describes 150 flowers by 4 measurements — sepal length and width, petal
# length and width, in cm — and names the species of each: 0 *setosa*, 1 *versicolor*,
# 2 *virginica*. Predicting the species is multiclass classification: 4 features in,
# 3 class scores out.
#
# The kit stores the data as two tensors in `data/`: `data.pt` (150 × 4, float32) and
# `target.pt` (150 class indices, int64). The rows are already shuffled, so the first
# 100 can train the model and the last 50 can check it on flowers it never saw
# (the **validation** rows). The first row is `[7.4, 2.8, 6.1, 1.9]`, a *virginica* (2).
#
# The article's recipe:
#
# ```
#   flowers (N, 4) ──▶ [ Linear → 16 ] ─▶ ReLU ─▶ [ Linear → 3 ] ──▶ logits (N, 3)
# ```
#
# with `nn.CrossEntropyLoss` (no Softmax layer: the loss applies it to the logits itself)
# and `torch.optim.SGD(model.parameters(), lr=0.01)`. One **training step** on the full
# training set is:
#
# 1. forward: `loss = loss_fn(model(X_train), y_train)`;
# 2. backward: `loss.backward()` fills every parameter's `.grad`;
# 3. update: `optimizer.step()` moves each parameter against its gradient;
# 4. clear: `optimizer.zero_grad()`, because `backward()` adds to old gradients.
#
# Repeated 500 times the loss falls from about 1.4 to about 0.35, and the article's model
# classifies about 88% of the validation flowers right. Results scatter from run to run:
# with so few rows the random starting weights matter a lot.
#
# You can do better. The features have different scales, and plain SGD with a small
# learning rate is slow. **Standardising** each feature (subtract the mean of the training
# rows, divide by their standard deviation) and using the **Adam** optimiser usually brings
# validation accuracy to about 95% in a few hundred steps.
#
# Article section: «Обучаем нейросеть».

# %%
from pathlib import Path
from typing import Callable

import torch
from torch import Tensor, nn

# %% [markdown]
# ## `load_iris`

# %%
def load_iris(data_dir: str | Path) -> tuple[Tensor, Tensor]:
    """Load the iris tensors from ``data.pt`` and ``target.pt`` in the folder ``data_dir``.

    Args:
        data_dir: the folder holding both files, as a ``str`` or a ``pathlib.Path``.

    Returns:
        ``(X, y)``: X of shape (150, 4), float32; y of shape (150,), int64.

    Example:
        >>> X, y = load_iris("data")
        >>> X[0], y[0]
        (tensor([7.4000, 2.8000, 6.1000, 1.9000]), tensor(2))
    """
    ### BEGIN SOLUTION
    folder = Path(data_dir)
    X = torch.load(folder / "data.pt")
    y = torch.load(folder / "target.pt")
    return X.to(torch.float32), y.to(torch.int64)
    ### END SOLUTION


# %% [markdown]
# ## `split`

# %%
def split(X: Tensor, y: Tensor, n_train: int = 100) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Split the (already shuffled) rows into training and validation parts.

    Args:
        X: features, shape (N, F).
        y: classes, shape (N,).
        n_train: how many of the first rows go to training.

    Returns:
        ``(X_train, X_val, y_train, y_val)``: the first ``n_train`` rows, then the rest.

    Example:
        >>> X_train, X_val, y_train, y_val = split(torch.zeros(150, 4), torch.zeros(150), 100)
        >>> X_train.shape, X_val.shape, y_train.shape, y_val.shape
        (torch.Size([100, 4]), torch.Size([50, 4]), torch.Size([100]), torch.Size([50]))
    """
    ### BEGIN SOLUTION
    return X[:n_train], X[n_train:], y[:n_train], y[n_train:]
    ### END SOLUTION


# %% [markdown]
# ## `train`
#
# The training loop itself, with whatever model, loss and optimiser you are given.

# %%
def train(
    model: nn.Module,
    X: Tensor,
    y: Tensor,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: torch.optim.Optimizer,
    steps: int,
) -> list[float]:
    """Train ``model`` for ``steps`` full-batch steps and return the loss of each step.

    Each step: forward pass on all of ``X``, loss against ``y``, ``backward()``,
    ``optimizer.step()``, and clearing the gradients (``optimizer.zero_grad()``), so that
    no step sees the gradients of the previous one.

    Args:
        model: the module to train (its parameters are the ones ``optimizer`` updates).
        X: all training inputs, e.g. (100, 4).
        y: the truth for them, as ``loss_fn`` expects it, e.g. (100,) int64.
        loss_fn: called as ``loss_fn(prediction, truth)``.
        optimizer: e.g. ``torch.optim.SGD(model.parameters(), lr=0.01)``.
        steps: how many steps.

    Returns:
        ``steps`` Python floats: the loss computed in each step (before its update).

    Example:
        >>> model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
        >>> opt = torch.optim.SGD(model.parameters(), lr=0.01)
        >>> losses = train(model, X_train, y_train, nn.CrossEntropyLoss(), opt, 500)
        >>> len(losses), losses[-1] < losses[0]
        (500, True)
    """
    ### BEGIN SOLUTION
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
    ### END SOLUTION


# %% [markdown]
# ## `accuracy`
#
# Measuring does not need gradients: run the model under `torch.no_grad()`, which is
# faster and keeps autograd from recording anything.

# %%
def accuracy(model: nn.Module, X: Tensor, y: Tensor) -> float:
    """Return the percentage of rows of ``X`` that ``model`` classifies right.

    The predicted class of a row is the index of its largest output (``argmax`` over
    dimension 1). Compute it under ``torch.no_grad()``.

    Args:
        model: maps (N, F) inputs to (N, K) class scores.
        X: inputs, shape (N, F).
        y: true classes, shape (N,), int64.

    Returns:
        A Python float in [0, 100].

    Example:
        >>> accuracy(model, X_val, y_val)    # the article's model; varies with the random start
        88.0
    """
    ### BEGIN SOLUTION
    with torch.no_grad():
        predicted = model(X).argmax(dim=1)
        return float((predicted == y).to(torch.float64).mean() * 100)
    ### END SOLUTION


# %% [markdown]
# ## `fit_iris`
#
# Your own recipe. Anything goes inside this function: another architecture, scaling,
# another optimiser, more steps. It is graded on flowers it never saw, over several random
# seeds (so it must work reliably, not just once), within a time limit (keep it to well
# under a second). The grader switches your model to eval mode and feeds it **raw**
# measurements, so if you standardise the features, the model must do it itself — for
# example a small `nn.Module` that stores the mean and standard deviation as buffers
# (`self.register_buffer(...)`) and applies them at the start of `forward`.

# %%
def fit_iris(X_train: Tensor, y_train: Tensor) -> nn.Module:
    """Train and return a model that classifies iris flowers.

    Args:
        X_train: raw training measurements, shape (N, 4), float32 (N is about 100).
        y_train: their classes, shape (N,), int64 in {0, 1, 2}.

    Returns:
        A trained ``nn.Module`` mapping raw (M, 4) rows to (M, 3) class scores (logits).
        It should classify about 95% of unseen rows right.

    Do not set random seeds here (the grader does).

    Example:
        >>> model = fit_iris(X_train, y_train)
        >>> accuracy(model.eval(), X_val, y_val) >= 90
        True
    """
    ### BEGIN SOLUTION
    class StandardisedNet(nn.Module):
        """Standardise raw rows with the training statistics, then a small MLP."""

        def __init__(self, mean: Tensor, std: Tensor) -> None:
            super().__init__()
            self.register_buffer("mean", mean)
            self.register_buffer("std", std)
            self.net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))

        def forward(self, X: Tensor) -> Tensor:
            return self.net((X - self.mean) / self.std)

    X = X_train.detach().to(torch.float32)
    y = y_train.detach().to(torch.int64)
    mean = X.mean(dim=0)
    std = X.std(dim=0).clamp(min=1e-6)
    model = StandardisedNet(mean, std)
    # a little weight decay keeps the weights small: steadier results on unseen rows
    optimizer = torch.optim.Adam(model.parameters(), lr=0.03, weight_decay=0.01)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(120):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
    return model.eval()
    ### END SOLUTION

# %% [markdown]
# # 04 · Assembling a network, and reading schemas
#
# A neural network is a construction kit: linear layers alternate with activations.
# PyTorch's `nn.Sequential(layer1, layer2, ...)` glues layers into one module that feeds
# the output of each layer to the next. Calling `model(X)` runs them all.
#
# To build a network from a schema you only need the feature count at each step:
#
# * the first `Linear` takes as many inputs as the data has columns;
# * every `Linear` after it takes as many inputs as the previous `Linear` gave outputs
#   (activations don't change the number of features);
# * the last `Linear` gives as many outputs as the task needs: 1 number for regression,
#   1 probability for binary classification (followed by `Sigmoid`), `K` probabilities for
#   `K` classes (followed by `Softmax(dim=1)`, so that each *row* sums to 1).
#
# The article's example maps 3 features to 10, then 20, then 1, with ReLU in between:
#
# ```
#   X (N, 3) ──▶ [ Linear → 10 ] ─▶ ReLU ─▶ [ Linear → 20 ] ─▶ ReLU ─▶ [ Linear → 1 ] ──▶ ŷ (N, 1)
# ```
#
# **Counting parameters.** `Linear(a, b)` holds a weight of `a·b` numbers and a bias of
# `b` numbers, so `a·b + b = (a + 1)·b` parameters. For the article's model:
# `(3+1)·10 + (10+1)·20 + (20+1)·1 = 40 + 220 + 21 = 281`. ReLU, Sigmoid and Softmax have
# none. More layers and wider layers mean more parameters, and a model that can learn
# more complex patterns (and needs more data to do so).
#
# The article then asks you to build three models from a picture. The kit ships its own
# three pictures in `data/schemas/` (`schema_a.png`, `schema_b.png`, `schema_c.png`);
# each function's docstring below also draws its schema in plain text.
#
# Article section: «Собираем нейросеть».

# %%
import torch
from torch import nn

# %% [markdown]
# ## `article_model`

# %%
def article_model() -> nn.Sequential:
    """Return the article's network as an ``nn.Sequential``.

    Schema::

        X (N, 3) ──▶ [ Linear → 10 ] ─▶ ReLU ─▶ [ Linear → 20 ] ─▶ ReLU ─▶ [ Linear → 1 ] ──▶ ŷ (N, 1)

    That is, in this order: ``Linear(3, 10)``, ``ReLU()``, ``Linear(10, 20)``, ``ReLU()``,
    ``Linear(20, 1)``.

    Example:
        >>> article_model()(torch.zeros(5, 3)).shape
        torch.Size([5, 1])
    """
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.Linear(3, 10),
        nn.ReLU(),
        nn.Linear(10, 20),
        nn.ReLU(),
        nn.Linear(20, 1),
    )
    ### END SOLUTION


# %% [markdown]
# ## `schema_a` — regression
#
# Eight numbers describe a house (floor area, rooms, age, ...); the model predicts its
# price, a single unbounded number, so there is no activation after the last layer.

# %%
def schema_a() -> nn.Sequential:
    """Build the model of picture ``data/schemas/schema_a.png`` (regression).

    Schema::

        houses (N, 8) ──▶ [ Linear → 32 ] ─▶ ReLU ─▶ [ Linear → 16 ] ─▶ ReLU
                      ─▶ [ Linear → 1 ] ──▶ price (N, 1)

    Use ``nn.Sequential`` of ``nn.Linear`` and ``nn.ReLU`` layers, in the order drawn.

    Example:
        >>> schema_a()(torch.zeros(2, 8)).shape
        torch.Size([2, 1])
    """
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.Linear(8, 32),
        nn.ReLU(),
        nn.Linear(32, 16),
        nn.ReLU(),
        nn.Linear(16, 1),
    )
    ### END SOLUTION


# %% [markdown]
# ## `schema_b` — binary classification
#
# The article's own example: six facts about a patient (age, weight, sex, smoking,
# alcohol, sedentary work) and the risk of a heart attack, a probability in (0, 1).

# %%
def schema_b() -> nn.Sequential:
    """Build the model of picture ``data/schemas/schema_b.png`` (binary classification).

    Schema::

        patients (N, 6) ──▶ [ Linear → 12 ] ─▶ ReLU ─▶ [ Linear → 1 ] ─▶ Sigmoid ──▶ risk (N, 1)

    Use ``nn.Sequential`` of ``nn.Linear``, ``nn.ReLU`` and ``nn.Sigmoid``, in the order drawn.

    Example:
        >>> out = schema_b()(torch.zeros(2, 6))
        >>> out.shape, bool(((out > 0) & (out < 1)).all())
        (torch.Size([2, 1]), True)
    """
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.Linear(6, 12),
        nn.ReLU(),
        nn.Linear(12, 1),
        nn.Sigmoid(),
    )
    ### END SOLUTION


# %% [markdown]
# ## `schema_c` — multiclass classification
#
# Twenty yes/no symptoms, five possible diagnoses (exactly one of them applies): the
# model outputs one probability per diagnosis, and each row sums to 1.

# %%
def schema_c() -> nn.Sequential:
    """Build the model of picture ``data/schemas/schema_c.png`` (multiclass classification).

    Schema::

        symptoms (N, 20) ──▶ [ Linear → 64 ] ─▶ ReLU ─▶ [ Linear → 32 ] ─▶ ReLU
                         ─▶ [ Linear → 5 ] ─▶ Softmax ──▶ diagnoses (N, 5)

    Use ``nn.Sequential`` of ``nn.Linear``, ``nn.ReLU`` and ``nn.Softmax(dim=1)``, in the
    order drawn (``dim=1``: each row, one patient, sums to 1).

    Example:
        >>> schema_c()(torch.zeros(2, 20)).sum(dim=1)
        tensor([1.0000, 1.0000], grad_fn=<SumBackward1>)
    """
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.Linear(20, 64),
        nn.ReLU(),
        nn.Linear(64, 32),
        nn.ReLU(),
        nn.Linear(32, 5),
        nn.Softmax(dim=1),
    )
    ### END SOLUTION


# %% [markdown]
# ## `count_parameters`
#
# Every learnable tensor of a module is listed by `model.parameters()`; each one has
# `.numel()` scalars. Only count the *trainable* ones: a parameter can be frozen by setting
# its `requires_grad` to `False`, and then training never changes it.

# %%
def count_parameters(model: nn.Module) -> int:
    """Return the number of trainable scalars in ``model``.

    Add up ``numel()`` of every parameter whose ``requires_grad`` is True.

    Example:
        >>> count_parameters(article_model())   # (3+1)*10 + (10+1)*20 + (20+1)*1
        281
    """
    ### BEGIN SOLUTION
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))
    ### END SOLUTION

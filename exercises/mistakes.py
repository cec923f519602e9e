"""The course's known mistakes: for each exercise id, the wrong answers students often give,
each named, with the sentence a failure message adds written beside the formula that computes it.

A formula gets the checks' side of the inputs of a call (a torch model where the student side
has a twin, a Python function for a derivative) and returns what that wrong code would return;
one formula may serve several mistakes and then returns {name: value}. NA marks a mistake these
inputs cannot show. When a student's answer equals one of them, the failure message says "This
looks like a known mistake: <message>". Public checks and hidden tests both use them, through
`nnkit.harness.mistakes`; tests/mutants.toml plants each one in a copy of the solutions to prove
it is caught. A new exercise adds its mistakes here.
"""

from __future__ import annotations

import copy
import functools
import itertools
import math

import torch
import torch.nn.functional as F

from nnkit.harness.mistakes import NA, mistake
from nnkit.harness.standard import (
    RELU,
    SIGMOID,
    iris,
    linear,
    loss_gradients,
    percent,
    softmax,
    training,
)
from nnkit.i18n.course import N_

# ---------------------------------------------------------------- 01_matrices
ARTICLE_X = torch.tensor([[0.4, 0.5], [0.9, 0.2], [0.2, 0.0], [0.1, 0.0]])
ARTICLE_W = torch.tensor([[0.2, 0.5, 1.0], [0.7, 0.4, 0.4]])


@mistake(
    "01_matrices.article_matrices",
    w_transposed="this is W.T, PyTorch's stored (out, in) layout: the article's W is (2, 3)",
    swapped="X and W are swapped: return X first, then W",
)
def _article_matrices():
    return {"w_transposed": (ARTICLE_X, ARTICLE_W.T), "swapped": (ARTICLE_W, ARTICLE_X)}


@mistake(
    "01_matrices.matmul_shape",
    inner=(
        "the inner sizes are the ones that must match; the outer ones (rows of A, columns of B) give the "
        "shape"
    ),
    wrong_pair="this compares the wrong sizes: A @ B needs the columns of A to equal the rows of B",
    reversed="this is the shape of B @ A: the rows come from A, the columns from B",
)
def _matmul_shape(a, b):
    (n, k), (k2, m) = a, b
    return {"inner": (k, k2) if k == k2 else None, "wrong_pair": (n, m) if n == m else None,
            "reversed": (k2, k) if m == n else None}


@mistake(
    "01_matrices.elementwise_shape",
    no_broadcast=(
        "a size of 1 is stretched to the other size (broadcasting); only sizes that differ and are not 1 "
        "fail"
    ),
    one_sided="broadcasting works both ways: a size of 1 in either shape is stretched",
    never_none="when two sizes differ and neither is 1, broadcasting fails: return None",
)
def _elementwise_shape(a, b):
    pairs = list(zip(a, b))
    one_sided = [x if x == y or y == 1 else None for x, y in pairs]
    return {"no_broadcast": tuple(a) if tuple(a) == tuple(b) else None,
            "one_sided": None if None in one_sided else tuple(one_sided),
            "never_none": tuple(max(x, y) for x, y in pairs)}


@mistake(
    "01_matrices.entry",
    swapped="i and j are swapped: this is entry (j, i)",
)
def _entry_swapped(A, B, i, j):
    return float((A @ B)[j, i])


@mistake(
    "01_matrices.entry",
    row_of_B="this multiplies row i of A by row j of B; take column j of B (B[:, j])",
)
def _entry_row_of_B(A, B, i, j):
    return float((A[i, :] * B[j, :]).sum())


@mistake(
    "01_matrices.entry",
    column_of_A="this takes column i of A; take row i of A (A[i, :])",
)
def _entry_column_of_A(A, B, i, j):
    return float((A[:, i] * B[:, j]).sum())


@mistake(
    "01_matrices.matmul",
    transposed="this is (A @ B).T, the transpose: entry (i, j) takes row i of A and column j of B",
)
def _matmul_transposed(A, B):
    return (A @ B).T


@mistake(
    "01_matrices.matmul",
    reversed="this is B @ A: the order of the factors matters",
)
def _matmul_reversed(A, B):
    return B @ A


@mistake(
    "01_matrices.matmul",
    elementwise="this is the element-wise product A * B, not the matrix product",
)
def _matmul_elementwise(A, B):
    return A * B if A.shape == B.shape else NA


# ---------------------------------------------------------------- 02_linear
@mistake(
    "02_linear.make_linear",
    swapped="in and out are swapped: nn.Linear(in_features, out_features)",
    no_bias="the bias is missing: nn.Linear has one by default (leave bias=True)",
)
def _make_linear(in_features, out_features):
    return {"swapped": linear(out_features, in_features),
            "no_bias": {**linear(in_features, out_features), "bias": False}}


LINEAR_MESSAGES = {
    "02_linear.linear_forward": {
        "no_bias": N_("your output equals X @ weight.T without the bias: the bias is missing, add it to "
                      "every row"),
        "no_transpose": N_('X @ weight + bias: the stored weight is (out, in), use weight.T'),
        "bias_subtracted": N_('the bias is subtracted: the layer adds it'),
    },
    "02_linear.MyLinear": {
        "no_bias": N_('your forward leaves out self.bias: the bias is missing, add it to every row'),
        "no_transpose": N_('X @ self.weight + self.bias: the weight is stored (out, in), use self.weight.T'),
        "bias_subtracted": N_('the bias is subtracted: the layer adds it'),
    },
}


def _linear_variants(X, weight, bias):
    return {"no_bias": X @ weight.T, "no_transpose": X @ weight + bias if weight.shape[0] == weight.shape[1]
            else NA, "bias_subtracted": X @ weight.T - bias}


for _exercise in ("02_linear.linear_forward", "02_linear.MyLinear"):  # MyLinear: (X, weight, bias)
    mistake(_exercise, **LINEAR_MESSAGES[_exercise])(_linear_variants)


@mistake(
    "02_linear.collapse",
    reversed="the order is reversed: the first layer's matrix comes first (W1 @ W2 @ ...)",
)
def _collapse_reversed(weights):
    return functools.reduce(torch.matmul, weights[::-1]) if len(weights) > 1 else NA


@mistake(
    "02_linear.collapse",
    elementwise="this multiplies entry by entry (*); chain the matrices with @",
)
def _collapse_elementwise(weights):
    return math.prod(weights[1:], start=weights[0]) if len(weights) > 1 else NA


@mistake(
    "02_linear.collapse",
    first_only="this is the first matrix alone: multiply it by each of the following ones",
)
def _collapse_first_only(weights):
    return weights[0] if len(weights) > 1 else NA


@mistake(
    "02_linear.collapse",
    last_pair="only the last two matrices are multiplied: carry the product along the whole chain",
)
def _collapse_last_pair(weights):
    return weights[-2] @ weights[-1] if len(weights) > 2 else NA


# ---------------------------------------------------------------- 03_activations
@mistake(
    "03_activations.relu",
    negated="this keeps the negatives and zeroes the positives: relu(x) = max(0, x)",
)
def _relu_negated(X):
    return X.clamp(max=0)


@mistake(
    "03_activations.relu",
    abs="this is the absolute value: negatives become 0, not -x",
)
def _relu_abs(X):
    return X.abs()


@mistake(
    "03_activations.sigmoid",
    sign="this is sigmoid(-x) = 1 - sigmoid(x): the formula is 1 / (1 + exp(-x))",
)
def _sigmoid_sign(X):
    return torch.sigmoid(-X)


@mistake(
    "03_activations.sigmoid",
    tanh="this is tanh(x), not the sigmoid 1 / (1 + exp(-x))",
)
def _sigmoid_tanh(X):
    return torch.tanh(X)


@mistake(
    "03_activations.sigmoid",
    no_one="the 1 + is missing: 1 / exp(-x) is just exp(x)",
)
def _sigmoid_no_one(X):
    return torch.exp(X)


def _dim(X, dim):
    return dim % X.dim() if X.dim() else 0


@mistake(
    "03_activations.softmax",
    dim0="softmax over dim 0 (columns) instead of the dim it is given",
)
def _softmax_dim0(X, dim=-1):
    return torch.softmax(X, dim=0) if _dim(X, dim) != 0 else NA


@mistake(
    "03_activations.softmax",
    last="softmax over the last dim, whatever dim says",
)
def _softmax_last(X, dim=-1):
    return torch.softmax(X, dim=-1) if _dim(X, dim) != X.dim() - 1 else NA


@mistake(
    "03_activations.softmax",
    whole="the sum runs over the whole tensor, not along dim",
)
def _softmax_whole(X, dim=-1):
    return torch.softmax(X.reshape(-1), dim=0).reshape(X.shape)


@mistake(
    "03_activations.softmax",
    no_exp="the exponent is missing: this is x / sum(x), not exp(x) / sum(exp(x))",
)
def _softmax_no_exp(X, dim=-1):
    return X / X.sum(dim=dim, keepdim=True)


# ---------------------------------------------------------------- 04_models
def _stack(sizes: list[int], last: list[dict] | None = None, hidden: dict | None = RELU) -> list[dict]:
    layers: list[dict] = []
    for n_in, n_out in itertools.pairwise(sizes):
        layers += [linear(n_in, n_out)] + ([hidden] if hidden else [])
    return (layers[:-1] if hidden else layers) + (last or [])


SCHEMAS = {"04_models.article_model": [3, 10, 20, 1], "04_models.schema_a": [8, 32, 16, 1],
           "04_models.schema_b": [6, 12, 1], "04_models.schema_c": [20, 64, 32, 5]}


REGRESSION_MESSAGES = {
    "04_models.article_model": {
        "no_activations": N_("no ReLU between the linear layers: without activations the model is one "
                             "linear map"),
        "final_relu": N_("a ReLU after the last layer: the output of a regression must be free to be "
                         "negative"),
    },
    "04_models.schema_a": {
        "no_activations": N_("no ReLU between the linear layers: without activations the model is one "
                             "linear map"),
        "final_relu": N_("a ReLU after the last layer: a regression's output ends without an activation"),
        "final_sigmoid": N_("a Sigmoid at the end: a price is not a probability, regression ends with the "
                            "Linear layer"),
    },
}


for _exercise in ("04_models.article_model", "04_models.schema_a"):
    mistake(_exercise, **REGRESSION_MESSAGES[_exercise])(
        lambda _sizes=SCHEMAS[_exercise]: {"no_activations": _stack(_sizes, hidden=None),
                                           "final_relu": _stack(_sizes, [RELU]),
                                           "final_sigmoid": _stack(_sizes, [SIGMOID])})


@mistake(
    "04_models.schema_b",
    no_sigmoid="the Sigmoid at the end is missing: a binary classifier outputs a probability",
    softmax_end="Softmax over a single output is always 1: a binary classifier ends with Sigmoid",
)
def _schema_b():
    sizes = SCHEMAS["04_models.schema_b"]
    return {"no_sigmoid": _stack(sizes), "softmax_end": _stack(sizes, [softmax(1)])}


@mistake(
    "04_models.schema_c",
    softmax_dim0="Softmax(dim=0) normalises over the patients: use dim=1, so that each row sums to 1",
    softmax_no_dim="nn.Softmax() without dim: give dim=1, so that each row (one patient) sums to 1",
    no_softmax="the Softmax at the end is missing: the output must be probabilities that sum to 1",
    sigmoid_end="Sigmoid gives each class its own probability; the 5 diagnoses share one (Softmax(dim=1))",
)
def _schema_c():
    sizes = SCHEMAS["04_models.schema_c"]
    return {"softmax_dim0": _stack(sizes, [softmax(0)]), "softmax_no_dim": _stack(sizes, [softmax(None)]),
            "no_softmax": _stack(sizes), "sigmoid_end": _stack(sizes, [SIGMOID])}


@mistake(
    "04_models.count_parameters",
    weights_only="only the weights are counted; the biases are parameters too",
)
def _count_weights_only(model):
    return sum(p.numel() for name, p in model.named_parameters()
               if p.requires_grad and name.endswith("weight"))


@mistake(
    "04_models.count_parameters",
    tensors="this counts parameter tensors, not the numbers in them",
)
def _count_tensors(model):
    return sum(1 for weights in model.parameters() if weights.requires_grad)


@mistake(
    "04_models.count_parameters",
    frozen="frozen parameters (requires_grad=False) are counted too: count only the trainable ones",
)
def _count_frozen(model):
    return sum(weights.numel() for weights in model.parameters())


# ---------------------------------------------------------------- 05_losses
@mistake(
    "05_losses.mse",
    sum="mean of squares missing: this is the sum of the squares, not their mean",
    mae="this is the mean absolute error: square the differences",
    rmse="this is the root of the mean square: leave out the sqrt",
    half="this is half the mean square: MSELoss has no factor 1/2",
    rows_mean="this divides by the number of rows; the mean runs over every entry",
)
def _mse(y_hat, y):
    squares = (y_hat - y) ** 2
    return {"sum": squares.sum(), "mae": (y_hat - y).abs().mean(), "rmse": squares.mean().sqrt(),
            "half": squares.mean() / 2,
            "rows_mean": squares.sum() / y.shape[0] if y.dim() > 1 and y[0].numel() > 1 else NA}


def _log(p):
    return p.log().clamp(min=-100)


@mistake(
    "05_losses.bce",
    sign="the minus sign is missing: the loss is minus the mean log-likelihood",
    sum="this is the sum over rows, not the mean",
    swapped="the arguments are swapped: the prediction comes first, the truth second",
    positive_only="only the y = 1 term: add (1 - y) * log(1 - y_hat) for the rows whose truth is 0",
    no_clamp="the log is not clamped: torch uses max(log(p), -100)",
)
def _bce(y_hat, y):
    unclamped = -(y * y_hat.log() + (1 - y) * (1 - y_hat).log()).mean()
    return {"sign": -F.binary_cross_entropy(y_hat, y),
            "sum": F.binary_cross_entropy(y_hat, y, reduction="sum"),
            "swapped": F.binary_cross_entropy(y, y_hat),
            "positive_only": -(y * _log(y_hat)).mean(),
            "no_clamp": unclamped if torch.isfinite(unclamped) else NA}


@mistake(
    "05_losses.cross_entropy",
    sum="this is the sum over rows, not the mean",
    dim0="softmax over dim 0 (columns) instead of over each row's classes",
    double_softmax="softmax was applied twice: the loss takes raw logits",
    negated="the minus sign is missing: the loss is minus the log-probability of the true class",
    no_log="the log is missing: this averages minus the probabilities, not minus their logs",
)
def _cross_entropy(logits, target):
    rows = torch.arange(len(target))
    return {"sum": F.cross_entropy(logits, target, reduction="sum"),
            "dim0": -logits.log_softmax(dim=0)[rows, target].mean(),
            "double_softmax": F.cross_entropy(logits.softmax(dim=1), target),
            "negated": -F.cross_entropy(logits, target),
            "no_log": -logits.softmax(dim=1)[rows, target].mean()}


@mistake(
    "05_losses.one_hot",
    transposed="the matrix is transposed: one row per object, one column per class",
)
def _one_hot_transposed(target, num_classes):
    return F.one_hot(target, num_classes).float().T


@mistake(
    "05_losses.one_hot",
    width_from_data="the width comes from the data (its largest class + 1); use num_classes columns",
)
def _one_hot_width(target, num_classes):
    return F.one_hot(target).float() if int(target.max()) + 1 != num_classes else NA


# ---------------------------------------------------------------- 06_metrics
@mistake(
    "06_metrics.mape",
    fraction="this is a fraction: multiply by 100 for percent",
    by_prediction="this divides by the prediction; divide by the true value",
    no_abs="the absolute value is missing: errors of both signs must add up, not cancel",
    signed_denominator="divide by |y|, not y: a negative truth must not make the error negative",
)
def _mape(y_hat, y):
    y_hat, y = y_hat.to(torch.float64), y.to(torch.float64)
    return {"fraction": float(((y - y_hat).abs() / y.abs()).mean()),
            "by_prediction": float(((y - y_hat).abs() / y_hat.abs()).mean() * 100),
            "no_abs": float(((y - y_hat) / y).mean() * 100),
            "signed_denominator": float(((y - y_hat).abs() / y).mean() * 100)}


@mistake(
    "06_metrics.binary_accuracy",
    fraction="this is a fraction: multiply by 100 for percent",
    wrong_share="this is the share of wrong rows",
    no_round="the probabilities are compared unrounded: round them to 0 or 1 first (y_hat.round() == y)",
)
def _binary_accuracy(y_hat, y):
    right = percent(y_hat.round() == y)
    return {"fraction": right / 100, "wrong_share": 100 - right, "no_round": percent(y_hat == y)}


@mistake(
    "06_metrics.multiclass_accuracy",
    fraction="this is a fraction: multiply by 100 for percent",
    dim0="argmax over dim 0 (objects); the classes are along dim 1",
    argmin="argmin picks the lowest score; the predicted class has the highest (argmax)",
)
def _multiclass_accuracy(logits, y):
    return {"fraction": percent(logits.argmax(dim=1) == y) / 100,
            "dim0": percent(logits.argmax(dim=0) == y) if logits.shape[0] == logits.shape[1] else NA,
            "argmin": percent(logits.argmin(dim=1) == y)}


# ---------------------------------------------------------------- 07_gradient_descent
def _sign(value):
    return torch.sign(value) if isinstance(value, torch.Tensor) else float((value > 0) - (value < 0))


@mistake(
    "07_gradient_descent.sign_step",
    uphill="this is a step up the slope: subtract alpha * sign(grad)",
    raw_grad="this uses the derivative itself; the first version uses only its sign",
    sign_of_w="this uses the sign of w; the step follows the sign of the derivative",
)
def _sign_step(w, grad, alpha):
    return {"uphill": w + alpha * _sign(grad), "raw_grad": w - alpha * grad,
            "sign_of_w": w - alpha * _sign(w)}


@mistake(
    "07_gradient_descent.gradient_step",
    uphill="this is a step up the slope: subtract alpha * grad",
    sign_only="this uses only the sign of the derivative",
    no_alpha="alpha is missing: the step is alpha * grad",
)
def _gradient_step(w, grad, alpha):
    return {"uphill": w + alpha * grad, "sign_only": w - alpha * _sign(grad), "no_alpha": w - grad}


@mistake(
    "07_gradient_descent.descend",
    no_w0="w0 is missing: the list starts with the starting point",
    short="one point short: `steps` steps give steps + 1 points, w0 included",
    uphill="this climbs: each step subtracts alpha * df(w)",
    fixed_gradient="df is taken at w0 only: compute the derivative again at every new point",
)
def _descend(df, w0, alpha, steps):
    def path(step):
        points = [float(w0)]
        for _ in range(steps):
            points.append(float(step(points[-1])))
        return points

    right = path(lambda w: w - alpha * df(w))
    return {"no_w0": right[1:], "short": right[:-1], "uphill": path(lambda w: w + alpha * df(w)),
            "fixed_gradient": path(lambda w: w - alpha * df(float(w0)))}


@mistake(
    "07_gradient_descent.gradients",
    doubled=(
        "the gradients doubled (twice the gradient): were old gradients cleared? Call model.zero_grad() "
        "before backward()"
    ),
    reversed="the gradients are in reverse order: follow the order of model.parameters()",
    weights="these are the parameters themselves, not their gradients (p.grad)",
)
def _gradients(model, X, y, loss_fn):
    right = loss_gradients(model, X, y, loss_fn)
    return {"doubled": [2 * g for g in right], "reversed": right[::-1],
            "weights": [weights.detach().clone() for weights in model.parameters()]}


@mistake(
    "07_gradient_descent.sgd_step",
    unchanged=(
        "the parameters did not change: update them in place (p -= lr * p.grad) under torch.no_grad(); p "
        "= p - lr * p.grad only renames"
    ),
    uphill="this is a step along the gradient: subtract lr * p.grad",
    no_lr="the learning rate is missing: subtract lr * p.grad, not p.grad",
)
def _sgd_step(model, lr):
    """The model's state after each wrong step; `model` holds the gradients of the step."""
    grads = {name: p.grad for name, p in model.named_parameters()}
    state = {name: value.detach().clone() for name, value in model.state_dict().items()}

    def stepped(step):
        return {name: step(value, grads[name]) if grads.get(name) is not None else value
                for name, value in state.items()}

    return {"unchanged": state, "uphill": stepped(lambda p, g: p + lr * g),
            "no_lr": stepped(lambda p, g: p - g)}


# ---------------------------------------------------------------- 08_training
@mistake(
    "08_training.load_iris",
    swapped="X and y are swapped: return the features (150, 4) first, then the classes",
)
def _load_iris(data_dir):
    X, y = iris(data_dir)
    return (y, X)


@mistake(
    "08_training.split",
    x_then_y="the order is X_train, X_val, y_train, y_val",
    fixed_100="this is the first 100 rows, whatever n_train says",
    last_rows="the training rows are the first n_train rows, not the last ones",
)
def _split(X, y, n_train=100):
    n = len(X) - n_train
    return {"x_then_y": (X[:n_train], y[:n_train], X[n_train:], y[n_train:]),
            "fixed_100": (X[:100], X[100:], y[:100], y[100:]) if n_train != 100 else NA,
            "last_rows": (X[n:], X[:n], y[n:], y[:n]) if n != n_train else NA}


@mistake(
    "08_training.train",
    never_cleared=(
        "the gradients are never cleared, so each step adds to the last: call optimizer.zero_grad() every"
        " step"
    ),
    after_step=(
        "each loss is measured after the update: record the loss of the forward pass that the step uses"
    ),
    running_total="these are running totals: record each step's own loss",
)
def _train(model, X, y, loss_fn, make_optimizer, steps):
    right = training(copy.deepcopy(model), X, y, loss_fn, make_optimizer, steps)
    totals = [sum(right[:i + 1]) for i in range(len(right))]
    def variant(**how):
        return training(copy.deepcopy(model), X, y, loss_fn, make_optimizer, steps, **how)

    return {"never_cleared": variant(clear=False), "after_step": variant(after=True),
            "running_total": totals if len(right) > 1 else NA}


@mistake(
    "08_training.accuracy",
    fraction="this is a fraction: multiply by 100 for percent",
    count="this is the number of rows classified right: divide by the number of rows, times 100",
    dim0="argmax over dim 0 (rows); the classes are along dim 1",
)
def _accuracy(model, X, y):
    with torch.no_grad():
        scores = model(X)
    hits = scores.argmax(dim=1) == y
    return {"fraction": percent(hits) / 100, "count": float(hits.sum()),
            "dim0": percent(scores.argmax(dim=0) == y) if scores.shape[0] == scores.shape[1] else NA}

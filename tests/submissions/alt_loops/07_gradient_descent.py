"""A correct 07_gradient_descent written from CURRICULUM.md: comparisons for the sign, a while loop."""

import torch


def sign_step(w, grad, alpha):
    direction = (grad > 0) * 1.0 - (grad < 0) * 1.0
    return w - alpha * direction


def gradient_step(w, grad, alpha):
    return w - grad * alpha


def descend(df, w0, alpha, steps):
    path = [float(w0)]
    taken = 0
    while taken < steps:
        w = path[-1]
        path.append(float(w - alpha * df(w)))
        taken += 1
    return path


def gradients(model, X, y, loss_fn):
    model.zero_grad(set_to_none=False)
    loss = loss_fn(model(X), y)
    loss.backward()
    return [p.grad.clone() for p in model.parameters()]


def sgd_step(model, lr):
    with torch.no_grad():
        for p in model.parameters():
            if p.grad is not None:
                p.add_(-lr * p.grad)

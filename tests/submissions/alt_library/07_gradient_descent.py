"""A correct 07_gradient_descent written from CURRICULUM.md: where() signs, recursion, .data updates."""

import torch


def sign_step(w, grad, alpha):
    if isinstance(grad, torch.Tensor):
        ones = torch.ones_like(grad)
        sign = torch.where(grad > 0, ones, torch.where(grad < 0, -ones, torch.zeros_like(grad)))
        return w - alpha * sign
    return w - alpha * ((grad > 0) - (grad < 0))


def gradient_step(w, grad, alpha):
    if isinstance(w, torch.Tensor):
        return torch.sub(w, grad, alpha=alpha)
    return w - alpha * grad


def descend(df, w0, alpha, steps):
    if steps == 0:
        return [float(w0)]
    return [float(w0)] + descend(df, w0 - alpha * df(w0), alpha, steps - 1)


def gradients(model, X, y, loss_fn):
    for parameter in model.parameters():
        parameter.grad = None
    loss_fn(model(X), y).backward()
    return [parameter.grad.detach().clone() for parameter in model.parameters()]


def sgd_step(model, lr):
    for parameter in model.parameters():
        if parameter.grad is not None:
            parameter.data -= lr * parameter.grad

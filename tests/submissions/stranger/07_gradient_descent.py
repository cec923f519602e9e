"""A correct 07_gradient_descent written from CURRICULUM.md alone: autograd.grad and .data."""

import torch


def sign_step(w, grad, alpha):
    if isinstance(grad, torch.Tensor):
        return w - alpha * torch.sgn(grad)
    direction = 1.0 if grad > 0 else (-1.0 if grad < 0 else 0.0)
    return w - alpha * direction


def gradient_step(w, grad, alpha):
    return w + (-alpha) * grad


def descend(df, w0, alpha, steps):
    points = [float(w0)]
    while len(points) <= steps:
        points.append(points[-1] - alpha * float(df(points[-1])))
    return points


def gradients(model, X, y, loss_fn):
    loss = loss_fn(model(X), y)
    return [g.detach() for g in torch.autograd.grad(loss, list(model.parameters()))]


def sgd_step(model, lr):
    for p in model.parameters():
        if p.grad is not None:
            p.data.sub_(lr * p.grad)

"""A correct 06_metrics written from CURRICULUM.md: ge/eq chains and counts."""

import torch


def mape(y_hat, y):
    if (y == 0).sum() > 0:
        raise ValueError("cannot compute a percentage error against a true value of 0")
    return torch.abs((y.double() - y_hat.double()) / y.double()).mean().item() * 100


def binary_accuracy(y_hat, y):
    return y_hat.ge(0.5).float().eq(y).float().mean().item() * 100


def multiclass_accuracy(logits, y):
    return logits.argmax(-1).eq(y).sum().item() / y.numel() * 100

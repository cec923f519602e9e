"""A correct 06_metrics written from CURRICULUM.md: ratios to the truth, thresholds, top-1."""

import torch


def mape(y_hat, y):
    if not bool(torch.all(y != 0)):
        raise ValueError("MAPE divides by y, and y holds a 0")
    return float(torch.mean(torch.abs(1 - y_hat.double() / y.double())) * 100)


def binary_accuracy(y_hat, y):
    predicted = torch.where(y_hat > 0.5, 1.0, 0.0)
    return (predicted == y).float().mean().item() * 100


def multiclass_accuracy(logits, y):
    predicted = torch.topk(logits, 1, dim=1).indices.squeeze(1)
    return (predicted == y).double().mean().item() * 100

"""A correct 05_losses written from CURRICULUM.md: explicit sums, a one-hot mask, an identity matrix."""

import torch


def mse(y_hat, y):
    return (y_hat - y).pow(2).sum() / y.numel()


def bce(y_hat, y):
    per_row = torch.where(y > 0.5, -torch.log(y_hat).clamp(min=-100.0), -torch.log(1 - y_hat).clamp(min=-100.0))
    return per_row.mean()


def cross_entropy(logits, target):
    top = logits.max(dim=1, keepdim=True).values
    log_sum = top.squeeze(1) + torch.log(torch.exp(logits - top).sum(dim=1))
    mask = torch.arange(logits.shape[1])[None, :] == target[:, None]
    picked = torch.where(mask, logits, torch.zeros_like(logits)).sum(dim=1)
    return (log_sum - picked).mean()


def one_hot(target, num_classes):
    return torch.eye(num_classes)[target]

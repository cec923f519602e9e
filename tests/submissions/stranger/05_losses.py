"""A correct 05_losses written from CURRICULUM.md alone: square, clamp, gather, scatter."""

import torch


def mse(y_hat, y):
    return torch.mean(torch.square(y_hat - y))


def bce(y_hat, y):
    log_p = torch.clamp(torch.log(y_hat), min=-100.0)
    log_q = torch.clamp(torch.log1p(-y_hat), min=-100.0)
    return torch.mean(-(y * log_p + (1.0 - y) * log_q))


def cross_entropy(logits, target):
    picked = torch.gather(logits, 1, target.unsqueeze(1)).squeeze(1)
    return torch.mean(torch.logsumexp(logits, dim=1) - picked)


def one_hot(target, num_classes):
    return torch.zeros(len(target), num_classes).scatter_(1, target.view(-1, 1), 1.0)

"""A correct 05_losses written from CURRICULUM.md: xlogy, F.one_hot as a mask, index_put_."""

import torch
import torch.nn.functional as F


def mse(y_hat, y):
    diff = (y_hat - y).reshape(-1)
    return (diff * diff).mean()


def bce(y_hat, y):
    positive = torch.xlogy(y, y_hat).clamp(min=-100.0)
    negative = torch.xlogy(1 - y, 1 - y_hat).clamp(min=-100.0)
    return -(positive + negative).mean()


def cross_entropy(logits, target):
    mask = F.one_hot(target, logits.shape[1]).to(logits.dtype)
    picked = (logits * mask).sum(dim=1)
    return torch.mean(torch.logsumexp(logits, dim=1) - picked)


def one_hot(target, num_classes):
    rows = torch.arange(len(target))
    return torch.zeros(len(target), num_classes).index_put_((rows, target), torch.tensor(1.0))

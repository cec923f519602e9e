"""A correct 04_models written from CURRICULUM.md: layers collected in a list first."""

import torch
from torch import nn


def _chain(sizes, tail=None):
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if layers:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(n_in, n_out))
    if tail is not None:
        layers.append(tail)
    return nn.Sequential(*layers)


def article_model():
    return _chain([3, 10, 20, 1])


def schema_a():
    return _chain([8, 32, 16, 1])


def schema_b():
    return _chain([6, 12, 1], nn.Sigmoid())


def schema_c():
    return _chain([20, 64, 32, 5], nn.Softmax(dim=1))


def count_parameters(model):
    return sum(map(torch.numel, filter(lambda p: p.requires_grad, model.parameters())))

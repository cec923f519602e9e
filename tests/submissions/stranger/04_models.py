"""A correct 04_models written from CURRICULUM.md alone: named layers, counted by shape."""

import itertools
import math
from collections import OrderedDict

from torch import nn


def article_model():
    return nn.Sequential(OrderedDict([
        ("hidden1", nn.Linear(3, 10)), ("act1", nn.ReLU()),
        ("hidden2", nn.Linear(10, 20)), ("act2", nn.ReLU()),
        ("out", nn.Linear(20, 1)),
    ]))


def _stack(sizes, last=()):
    layers = []
    for n_in, n_out in itertools.pairwise(sizes):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1], *last)


def schema_a():
    return _stack([8, 32, 16, 1])


def schema_b():
    return _stack([6, 12, 1], [nn.Sigmoid()])


def schema_c():
    return _stack([20, 64, 32, 5], [nn.Softmax(dim=1)])


def count_parameters(model):
    return sum(math.prod(p.shape) for _, p in model.named_parameters() if p.requires_grad)

"""A correct 04_models written from CURRICULUM.md: Sequential.append, counts from shapes."""

import torch
from torch import nn


def _model(*layers):
    model = nn.Sequential()
    for layer in layers:
        model.append(layer)
    return model


def article_model():
    return _model(nn.Linear(3, 10), nn.ReLU(), nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 1))


def schema_a():
    return _model(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 1))


def schema_b():
    return _model(nn.Linear(6, 12), nn.ReLU(), nn.Linear(12, 1), nn.Sigmoid())


def schema_c():
    return _model(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 5),
                  nn.Softmax(dim=1))


def count_parameters(model):
    total = 0
    for parameter in model.parameters():
        if parameter.requires_grad:
            total += int(torch.tensor(parameter.shape).prod())
    return total

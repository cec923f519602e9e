"""A correct 02_linear written from CURRICULUM.md alone: addmm, einsum and reduce."""

import functools

import torch


def make_linear(in_features, out_features):
    return torch.nn.Linear(in_features=in_features, out_features=out_features)


def linear_forward(X, weight, bias):
    return torch.addmm(bias, X, weight.t())


class MyLinear(torch.nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.bias = torch.nn.Parameter(torch.zeros(out_features))
        self.weight = torch.nn.Parameter(torch.randn(out_features, in_features) * 0.1)

    def forward(self, X):
        return torch.einsum("ni,oi->no", X, self.weight) + self.bias


def collapse(weights):
    if not weights:
        raise ValueError("no matrices")

    def chain(left, right):
        if left.shape[1] != right.shape[0]:
            raise ValueError(f"{tuple(left.shape)} then {tuple(right.shape)} does not fit")
        return torch.mm(left, right)

    return functools.reduce(chain, weights[1:], weights[0].clone())

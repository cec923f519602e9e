"""A correct 01_matrices written from CURRICULUM.md: reshape, torch.outer, plain Python sums."""

import torch


def article_matrices():
    X = torch.tensor([0.4, 0.5, 0.9, 0.2, 0.2, 0.0, 0.1, 0.0]).reshape(4, 2)
    W = torch.tensor([0.2, 0.5, 1.0, 0.7, 0.4, 0.4]).reshape(2, 3)
    return X, W


def matmul_shape(a_shape, b_shape):
    return None if a_shape[1] != b_shape[0] else (a_shape[0], b_shape[1])


def elementwise_shape(a_shape, b_shape):
    sizes = []
    for a, b in zip(a_shape, b_shape):
        if 1 in (a, b) or a == b:
            sizes.append(max(a, b))
        else:
            return None
    return sizes[0], sizes[1]


def entry(A, B, i, j):
    return sum(a * b for a, b in zip(A[i].tolist(), B[:, j].tolist()))


def matmul(A, B):
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[0]:
        raise ValueError(f"A is {tuple(A.shape)} and B is {tuple(B.shape)}: they cannot be multiplied")
    out = torch.zeros(A.shape[0], B.shape[1], dtype=torch.promote_types(A.dtype, B.dtype))
    for t in range(A.shape[1]):
        out = out + torch.outer(A[:, t], B[t])
    return out

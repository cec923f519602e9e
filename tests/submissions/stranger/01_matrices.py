"""A correct 01_matrices written from CURRICULUM.md alone: loops instead of broadcasting."""

import torch


def article_matrices():
    rows_x = [[0.4, 0.5], [0.9, 0.2], [0.2, 0.0], [0.1, 0.0]]
    rows_w = [[0.2, 0.5, 1.0], [0.7, 0.4, 0.4]]
    return torch.as_tensor(rows_x, dtype=torch.float32), torch.as_tensor(rows_w, dtype=torch.float32)


def matmul_shape(a_shape, b_shape):
    if a_shape[1] != b_shape[0]:
        return None
    return a_shape[0], b_shape[1]


def elementwise_shape(a_shape, b_shape):
    try:
        return tuple(torch.broadcast_shapes(tuple(a_shape), tuple(b_shape)))
    except RuntimeError:
        return None


def entry(A, B, i, j):
    total = 0.0
    for t in range(A.shape[1]):
        total += float(A[i, t]) * float(B[t, j])
    return total


def matmul(A, B):
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[0]:
        raise ValueError(f"shapes {list(A.shape)} and {list(B.shape)} do not fit")
    rows = []
    for i in range(A.shape[0]):
        rows.append(torch.stack([(A[i] * B[:, j]).sum() for j in range(B.shape[1])]))
    return torch.stack(rows)

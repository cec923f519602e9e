"""A correct 01_matrices written from CURRICULUM.md: rows one at a time, products summed by hand."""

import torch


def article_matrices():
    X = torch.tensor([[0.4, 0.5], [0.9, 0.2], [0.2, 0.0], [0.1, 0.0]], dtype=torch.float32)
    W = torch.tensor([[0.2, 0.5, 1.0], [0.7, 0.4, 0.4]], dtype=torch.float32)
    return X, W


def matmul_shape(a_shape, b_shape):
    rows, inner = a_shape
    inner_b, cols = b_shape
    return (rows, cols) if inner == inner_b else None


def elementwise_shape(a_shape, b_shape):
    out = []
    for a, b in zip(a_shape, b_shape):
        if a != b and a != 1 and b != 1:
            return None
        out.append(b if a == 1 else a)
    return tuple(out)


def entry(A, B, i, j):
    return torch.sum(torch.mul(A[i], B[:, j])).item()


def matmul(A, B):
    if len(A.shape) != 2 or len(B.shape) != 2:
        raise ValueError(f"both must be matrices, got {tuple(A.shape)} and {tuple(B.shape)}")
    if A.shape[1] != B.shape[0]:
        raise ValueError(f"{tuple(A.shape)} times {tuple(B.shape)}: inner sizes differ")
    rows = [(A[i].unsqueeze(1) * B).sum(dim=0) for i in range(A.shape[0])]
    return torch.stack(rows)

"""nnkit: auto-graded exercises that teach neural networks in PyTorch."""

__version__ = "0.1.0"

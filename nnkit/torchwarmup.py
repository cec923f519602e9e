"""Pay torch's lazy imports once, in a process that forks many children (the grading zygote and
jobs, the check server), so no child pays them again.

torch imports more on first use: the first optimizer (`torch.optim`'s step and param groups)
imports torch._dynamo, about 1.5 s here; the first `assert_close` imports torch.distributed.tensor.
One tiny training step and one comparison pay both. The random generator is left as it was.
"""

from __future__ import annotations


def pay_lazy_imports() -> None:
    import torch
    import torch.nn.functional as F

    state = torch.random.get_rng_state()
    layer = torch.nn.Linear(4, 3)
    loss = F.cross_entropy(layer(torch.ones(4, 4)), torch.tensor([0, 1, 2, 0]))
    loss.backward()
    torch.optim.SGD(layer.parameters(), lr=0.1).step()
    torch.optim.Adam(layer.parameters()).step()
    torch.testing.assert_close(torch.ones(1), torch.ones(1))
    torch.random.set_rng_state(state)

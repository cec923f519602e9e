"""Pay torch's lazy imports once, in a process that runs or forks many checks (the grading zygote
and jobs, the warm processes of `nnkit watch` and the check server), so no check pays them again.

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


def import_pytest_plugins() -> None:
    """Import pytest's plugins that runs use, for a process that runs or forks many."""
    import importlib

    # _pytest.config is not public API; warming up is only an optimisation, so that is acceptable.
    from _pytest.config import default_plugins

    from nnkit.testing.run import UNUSED

    for name in default_plugins:
        if name not in UNUSED:
            importlib.import_module(f"_pytest.{name}")


def prepare_checks() -> None:
    """Everything a run of checks needs, imported and warmed: torch and its lazy imports, pytest,
    the kit's harness and the student side's executor."""
    import torch

    torch.set_num_threads(1)  # the checks use one thread; no pool is then inherited by children
    pay_lazy_imports()
    import nnkit.harness.expect
    import nnkit.harness.standard
    import nnkit.submission.executor
    import nnkit.testing.run  # noqa: F401

    import_pytest_plugins()
    run_pytest_once()


def run_pytest_once() -> None:
    """One quiet pytest run of a trivial check, so a process that runs checks later has paid
    pytest's first-run costs (its plugin manager, hooks, assertion rewriting, torch's first
    comparisons in a check) before a student waits for it."""
    import contextlib
    import io
    import tempfile
    from pathlib import Path

    from nnkit.testing import run

    with tempfile.TemporaryDirectory(prefix="nnkit-warm-") as folder:
        test = Path(folder) / "test_warm.py"
        test.write_text("import pytest\nimport torch\n\n\n@pytest.mark.exercise('warm.up')\n"
                        "def test_warm():\n    torch.testing.assert_close(torch.ones(2), torch.ones(2))\n")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                run.only_the_kits_plugin():
            import pytest

            pytest.main([*run.arguments([test], Path(folder)), "-q"])

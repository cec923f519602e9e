"""The README's two commands are exactly what CI runs, so a newcomer gets what CI got."""

from __future__ import annotations

import re

from nnkit.course import layout

ROOT = layout.course_root()


def readme_commands() -> list[str]:
    """The commands of the README's first code block, without their comments."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```(?:bash|sh|shell|console)?\n(.*?)```", text, re.S).group(1)
    return [re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_the_readme_starts_with_an_install_line_and_a_test_command():
    install, tests = readme_commands()
    assert install.startswith("pip install torch==2.13.0 -e '.[dev]'") and "nnkit demo" in install
    assert tests == "python -m pytest"


def test_ci_runs_the_readmes_commands_word_for_word():
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    for command in readme_commands():
        assert command in ci, f"{command!r} is in the README but .ci/run does not run it as it stands"

"""Advice that costs no points: notes a check leaves on an answer it accepts (or rejects for
another reason), which the feedback page, `nnkit check` and a notebook's check cell show.

A check calls `note(text)`; the run collects the notes of each test into its verdict (`take`).
"""

from __future__ import annotations

_pending: list[str] = []


def note(text: str) -> None:
    """Leave a note on the test that is running (each text once)."""
    if text and text not in _pending:
        _pending.append(text)


def take() -> list[str]:
    """The notes left since the last call, which are then forgotten."""
    found = list(_pending)
    _pending.clear()
    return found

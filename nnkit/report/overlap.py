"""Shared code between two versions of one exercise file, found by copydetect.

copydetect tokenises with Pygments and replaces every name by one letter (so renaming hides
nothing), drops comments and layout, and compares k-gram fingerprints as MOSS does. Fingerprints
of the boilerplate never count. A pair's share for one side is the part of that file's own
fingerprinted code (boilerplate removed) that the other file holds too. Students who hand in the
same file (a leaked solution, a shared copy) form one group, compared once.

Every k-gram is kept (window 1, so the guarantee threshold equals the noise threshold): the
result does not depend on Python's per-process string hashing, which copydetect uses.
"""

from __future__ import annotations

import html
import io
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

NOISE = 40  # filtered characters (about one line of code); shorter runs are what honest code shares
THRESHOLD = 0.5


@dataclass
class Match:
    """Code shared between the owners of two versions of `file` (the same version when `same`:
    byte-identical files, compared once); slices index each version's text."""

    file: str
    first: list[str]
    second: list[str]
    share_first: float
    share_second: float
    tokens: int
    slices_first: object
    slices_second: object

    @property
    def same(self) -> bool:
        return self.first is self.second

    @property
    def share(self) -> float:
        """The larger share: copying a part of a longer file still shows."""
        return max(self.share_first, self.share_second)

    def pairs(self) -> list[tuple[str, str]]:
        """Every pair of owners this match stands for."""
        if self.same:
            return list(itertools.combinations(self.first, 2))
        return list(itertools.product(self.first, self.second))


def _fingerprint(text: str, boilerplate):
    from copydetect import CodeFingerprint

    return CodeFingerprint("code.py", NOISE, 1, boilerplate, fp=io.StringIO(text), language="python")


def boilerplate_hashes(texts: Iterable[str]):
    """The fingerprints of the code everyone was given."""
    import numpy as np

    hashes = [h for text in texts for h in _fingerprint(text, None).hashes]
    return np.unique(np.array(hashes, dtype=np.int64))


def matches(file: str, versions: dict[str, str], boilerplate, threshold: float = THRESHOLD) -> list[Match]:
    """Versions of `file` (owner → text) that share at least `threshold` of one side's code; owners of
    one text keep the order of `versions`."""
    from copydetect import compare_files

    owners_of: dict[str, list[str]] = {}
    for owner, text in versions.items():
        owners_of.setdefault(text, []).append(owner)
    texts = list(owners_of)
    prints = [_fingerprint(text, boilerplate) for text in texts]
    found = []
    for i, j in itertools.combinations_with_replacement(range(len(texts)), 2):
        if i == j and len(owners_of[texts[i]]) < 2:
            continue
        tokens, (share_i, share_j), (slices_i, slices_j) = compare_files(prints[i], prints[j])
        if tokens and max(share_i, share_j) >= threshold:
            found.append(Match(file, owners_of[texts[i]], owners_of[texts[j]], float(share_i), float(share_j),
                               int(tokens), slices_i, slices_j))
    return found


def given_lines(texts: Iterable[str]) -> frozenset[str]:
    """The lines of the boilerplate, stripped: a view does not mark them as shared."""
    return frozenset(line.strip() for text in texts for line in text.splitlines() if line.strip())


def _unmark_given(text: str, slices, given: frozenset[str]):
    """`slices` without the lines everyone was given (copydetect's slices span whole docstrings
    and comments, which its tokens shrink to nothing) and without surrounding blank space."""
    import numpy as np

    marked = np.zeros(len(text) + 1, dtype=bool)
    for start, end in zip(*slices):
        marked[int(start):int(end)] = True
    position = 0
    for line in text.splitlines(keepends=True):
        if line.strip() in given or not line.strip():
            marked[position:position + len(line)] = False
        position += len(line)
    edges = np.flatnonzero(np.diff(np.concatenate(([False], marked))).astype(bool))
    return np.array([edges[0::2], edges[1::2]])


def highlighted(text: str, slices, given: frozenset[str]) -> str:
    """`text`, HTML-escaped, with the shared parts in <mark> and long unshared stretches cut."""
    from copydetect.utils import highlight_overlap

    kept = _unmark_given(text, slices, given)
    if kept.shape[1] == 0:
        return html.escape(text)
    marked, _ = highlight_overlap(text, kept, "<mark>", "</mark>", truncate=4, escape_html=True)
    return marked

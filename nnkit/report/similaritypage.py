"""The similarity report's page (index.html) and its pairs.csv.

The page opens by saying that similarity is a reason to look, not proof, then lists the pairs
above the threshold, most similar first (students who handed in the same file in one row), and
shows the first `limit` rows side by side with
the shared code marked (a border and bold type as well as a colour, and a line under it in
print). pairs.csv lists every pair above the threshold.
"""

from __future__ import annotations

import csv
import io

from nnkit.i18n.lang import _, ngettext
from nnkit.report.overlap import Match, highlighted
from nnkit.report.page import document, escape, percent, table
from nnkit.report.sources import REFERENCE

Texts = dict[tuple[str, str], str]  # (file, owner) → code
MAX_OWNERS = 12  # owners named in one cell of the table; the rest are counted (pairs.csv has all)


def owner_name(owner: str) -> str:
    return _("the reference solution") if owner == REFERENCE else owner


def owners_text(owners: list[str]) -> str:
    shown = ", ".join(owner_name(o) for o in owners[:MAX_OWNERS])
    rest = len(owners) - MAX_OWNERS
    return shown if rest <= 0 else ngettext("{names} and {count} more", "{names} and {count} more",
                                            rest).format(names=shown, count=rest)


def pairs_csv(matches: list[Match]) -> str:
    """One row per pair of owners, most similar first; the reference solution is the owner `solutions/`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["file", "first", "second", "share_first", "share_second", "shared_tokens"])
    writer.writerows([m.file, a, b, f"{m.share_first:.4f}", f"{m.share_second:.4f}", m.tokens]
                     for m in matches for a, b in m.pairs())
    return out.getvalue()


def page(matches: list[Match], texts: Texts, given: frozenset[str], students: int, threshold: float,
         limit: int, notes: list[str]) -> str:
    """`given`: the boilerplate's lines, never marked as shared."""
    count = sum(len(m.pairs()) for m in matches)
    body = [f"<h1>{escape(_('Similar submissions'))}</h1>",
            "<p class=notice>" + escape(_(
                "Similarity is a reason to look, not proof. Students who solve the same small exercise "
                "honestly often write the same code, above all where the exercise dictates it (a "
                "model's layers, a training loop); and a student may have shared their code rather "
                "than copied it. Read the code, then talk to the students.")) + "</p>",
            "<p>" + escape(_(
                "Each exercise file is compared on its own, between every two students and with the "
                "reference solution. The code the kit gave everyone (the stubs and the public checks) "
                "never counts; comments, layout and the names of variables are ignored, so renaming "
                "does not hide a copy. A notebook is compared by its code cells. A pair's share is the "
                "part of one file's own code that the other file holds too; a pair is listed when "
                "either share reaches the threshold. Students who handed in the very same file are "
                "listed together, once.")) + "</p>",
            "<p class=lead>" + escape(ngettext(
                "{students} student compared; {count} pair at or above {threshold}.",
                "{students} students compared; {count} pairs at or above {threshold}.", count).format(
                students=students, count=count, threshold=percent(threshold))) + "</p>"]
    if matches:
        body.append(_table(matches, limit))
        body += [_view(rank, match, texts, given) for rank, match in enumerate(matches[:limit], start=1)]
        if len(matches) > limit:
            rest = len(matches) - limit
            body.append("<p>" + escape(ngettext(
                "{count} more row of the table above has no side-by-side view here (--limit).",
                "{count} more rows of the table above have no side-by-side view here (--limit).",
                rest).format(count=rest)) + "</p>")
    else:
        body.append("<p>" + escape(_("No pair of files shares that much code.")) + "</p>")
    if notes:
        body.append(f"<h2>{escape(_('Submission notes'))}</h2><ul>"
                    + "".join(f"<li>{escape(note)}</li>" for note in notes) + "</ul>")
    return document(_("Similar submissions"), body)


def _table(matches: list[Match], limit: int) -> str:
    rows = []
    for rank, m in enumerate(matches, start=1):
        view = f'<a href="#pair-{rank}">{escape(_("view"))}</a>' if rank <= limit else ""
        second = _("one another: the very same file") if m.same else owners_text(m.second)
        rows.append([str(rank), f"<code>{escape(m.file)}</code>", escape(owners_text(m.first)),
                     escape(second), percent(m.share_first), percent(m.share_second), view])
    return table([_("rank"), _("file"), _("first"), _("second"), _("share of the first's code"),
                  _("share of the second's code"), _("side by side")], rows, numeric=(0, 4, 5))


def _view(rank: int, match: Match, texts: Texts, given: frozenset[str]) -> str:
    if match.same:
        title = _("{rank}. {file}: the same file from {owners}").format(
            rank=rank, file=match.file, owners=owners_text(match.first))
    else:
        title = _("{rank}. {file}: {first} and {second}").format(
            rank=rank, file=match.file, first=owners_text(match.first), second=owners_text(match.second))
    sides = []
    for owners, share, slices in ((match.first, match.share_first, match.slices_first),
                                  (match.second, match.share_second, match.slices_second)):
        heading = _("{owner}: {share} of this file's code is in the other").format(
            owner=owners_text(owners), share=percent(share))
        code = highlighted(texts[(match.file, owners[0])], slices, given)
        sides.append(f"<div><h4>{escape(heading)}</h4><pre>{code}</pre></div>")
    return (f'<section class=pair id="pair-{rank}"><h3>{escape(title)}</h3>'
            f'<p class=muted>{escape(_("Shared code is marked in bold, underlined and on yellow."))}</p>'
            f'<div class=sides>{"".join(sides[:1] if match.same else sides)}</div></section>')

"""One feedback page per student, in Markdown and HTML, from their scored record.

A page shows the score per exercise, each failing check's message and what the student's code
printed (capped). It is built only from fields meant for the student: the record's `detail`
(instructor-only), hidden test source and reference values never reach it.
"""

from __future__ import annotations

import html
import re

from nnkit.grade import scoring
from nnkit.i18n import lang
from nnkit.i18n.lang import N_, _
from nnkit.testing.verdict import advice

MAX_PAGE_OUTPUT = 20_000
SYMBOL = {"passed": "✓", "failed": "✗", "error": "✗", "timeout": "⏱"}


def title(test: str) -> str:
    """A test's name as a sentence: test_mse_of_the_example → "mse of the example". Test names are
    English; in another language the name is shown as it is written, as code."""
    return test.removeprefix("test_").replace("_", " ") if lang.language() == lang.SOURCE else test


def _md_title(test: str) -> str:
    return _md_text(title(test)) if lang.language() == lang.SOURCE else f"`{test}`"


def _html_title(test: str) -> str:
    return html.escape(title(test)) if lang.language() == lang.SOURCE else f"<code>{html.escape(test)}</code>"


def _fence(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _md_text(text: str) -> str:
    return html.escape(re.sub(r"([\\`*_{}\[\]()#+!|~>-])", r"\\\1", text), quote=False)


def _status(exercise: dict) -> str:
    if exercise["zeroed_by"]:
        return _({"forbidden": N_("0: a call that is not allowed"), "not_started": N_("not started"),
                  "submission": N_("0: the file could not be used"),
                  scoring.NO_VALUE: N_("0: no check of its values passed")}.get(exercise["zeroed_by"], "0"))
    if not exercise["tests"]:
        return _("no checks")
    return _("done") if exercise["earned"] == exercise["points"] else _("partly")


def _failures(record: dict) -> list[tuple[dict, str]]:
    """Failing tests with the output to show, within the page's output budget."""
    budget = MAX_PAGE_OUTPUT
    shown = []
    for test in record["tests"]:
        if test["status"] == "passed":
            continue
        output = test.get("output", "")[:max(budget, 0)]
        budget -= len(output)
        shown.append((test, output))
    return shown


def markdown(record: dict) -> str:
    score = _score(record)
    lines = ["# " + _("Feedback for {student}").format(student=_md_text(record["student"])), "",
             f"**{score}**", ""]
    if record["problems"]:
        lines += ["## " + _("About your submission"), ""]
        lines += [f"- {_md_text(problem['message'])}" for problem in record["problems"]] + [""]
    lines += ["## " + _("Exercises"), "", f"| {_('Exercise')} | {_('Points')} | {_('Status')} |",
              "|---|---|---|"]
    for exercise in record["exercises"]:
        lines.append(f"| `{exercise['id']}` | {scoring.text(exercise['earned'])} / {exercise['points']} "
                     f"| {_status(exercise)} |")
    failures = _failures(record)
    if failures:
        lines += ["", "## " + _("What to fix"), ""]
    for test, output in failures:
        message = test["message"] or _("This check failed.")
        fence = _fence(message)
        heading = (f"### {SYMBOL.get(test['status'], '✗')} `{test['exercise'] or '?'}`: "
                   f"{_md_title(test['test'])}")
        lines += [heading, "", fence, message.rstrip(), fence, ""]
        if output.strip():
            fence = _fence(output)
            lines += [_("Your code printed:"), "", fence, output.rstrip(), fence, ""]
    if not failures and record["tests"]:
        lines += ["", _("Every check passed. Well done!")]
    notes = advice(record["tests"])
    if notes:
        lines += ["", f"## {_('Advice (it costs no points)')}", ""]
        lines += [f"- `{exercise or '?'}`: {_md_text(note)}" for exercise, note in notes]
    return "\n".join(lines).rstrip() + "\n"


STYLE = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}
pre{background:#f6f6f6;padding:.6rem;overflow-x:auto;white-space:pre-wrap}
.done{color:#070}.partly{color:#a60}.zero{color:#b00}"""


def page(record: dict) -> str:
    """The same content as `markdown`, as a self-contained HTML page; everything is escaped."""
    e = html.escape
    heading = e(_("Feedback for {student}").format(student=record["student"]))
    parts = [(f"<!doctype html><html lang={lang.language()}><meta charset=utf-8><title>{heading}</title>"
              f"<style>{STYLE}</style><body>"),
             f"<h1>{heading}</h1>",
             f"<p><strong>{e(_score(record))}</strong></p>"]
    if record["problems"]:
        parts.append(f"<h2>{e(_('About your submission'))}</h2><ul>"
                     + "".join(f"<li>{e(p['message'])}</li>" for p in record["problems"]) + "</ul>")
    rows = "".join(
        f"<tr><td><code>{e(x['id'])}</code></td><td>{scoring.text(x['earned'])} / {x['points']}</td>"
        f"<td class={_css(x)}>{e(_status(x))}</td></tr>" for x in record["exercises"])
    parts.append(f"<h2>{e(_('Exercises'))}</h2><table><tr><th>{e(_('Exercise'))}</th><th>{e(_('Points'))}</th>"
                 f"<th>{e(_('Status'))}</th></tr>{rows}</table>")
    failures = _failures(record)
    if failures:
        parts.append(f"<h2>{e(_('What to fix'))}</h2>")
    for test, output in failures:
        message = test["message"] or _("This check failed.")
        parts.append(f"<h3>{SYMBOL.get(test['status'], '✗')} <code>{e(test['exercise'] or '?')}</code>: "
                     f"{_html_title(test['test'])}</h3><pre>{e(message)}</pre>")
        if output.strip():
            parts.append(f"<p>{e(_('Your code printed:'))}</p><pre>{e(output)}</pre>")
    if not failures and record["tests"]:
        parts.append(f"<p>{e(_('Every check passed. Well done!'))}</p>")
    notes = advice(record["tests"])
    if notes:
        parts.append(f"<h2>{e(_('Advice (it costs no points)'))}</h2><ul>"
                     + "".join(f"<li><code>{e(exercise or '?')}</code>: {e(note)}</li>"
                               for exercise, note in notes)
                     + "</ul>")
    return "\n".join(parts) + "\n</body></html>\n"


def _score(record: dict) -> str:
    return _("Score: {total} / {max_total}").format(total=scoring.text(record["total"]),
                                                    max_total=record["max_total"])


def _css(exercise: dict) -> str:
    if exercise["zeroed_by"] or not exercise["tests"]:
        return "zero"
    return "done" if exercise["earned"] == exercise["points"] else "partly"

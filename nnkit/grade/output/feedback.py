"""One feedback page per student, in Markdown and HTML, from their scored record.

A page shows the score per exercise, each failing check's message and what the student's code
printed (capped). It is built only from fields meant for the student: the record's `detail`
(instructor-only), hidden test source and reference values never reach it.
"""

from __future__ import annotations

import html
import re

from nnkit.grade import scoring
from nnkit.i18n.lang import _
from nnkit.testing.verdict import advice

MAX_PAGE_OUTPUT = 20_000
SYMBOL = {"passed": "✓", "failed": "✗", "error": "✗", "timeout": "⏱"}


def title(test: str) -> str:
    """A test's name as a sentence: test_mse_of_the_example → "mse of the example"."""
    return test.removeprefix("test_").replace("_", " ")


def _fence(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _md_text(text: str) -> str:
    return html.escape(re.sub(r"([\\`*_{}\[\]()#+!|~>-])", r"\\\1", text), quote=False)


def _status(exercise: dict) -> str:
    if exercise["zeroed_by"]:
        return {"forbidden": "0: a call that is not allowed", "not_started": "not started",
                "submission": "0: the file could not be used",
                scoring.NO_VALUE: "0: no check of its values passed"}.get(exercise["zeroed_by"], "0")
    if not exercise["tests"]:
        return "no checks"
    return "done" if exercise["earned"] == exercise["points"] else "partly"


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
    lines = [f"# Feedback for {_md_text(record['student'])}", "",
             f"**Score: {scoring.text(record['total'])} / {record['max_total']}**", ""]
    if record["problems"]:
        lines += ["## About your submission", ""]
        lines += [f"- {_md_text(problem['message'])}" for problem in record["problems"]] + [""]
    lines += ["## Exercises", "", "| Exercise | Points | Status |", "|---|---|---|"]
    for exercise in record["exercises"]:
        lines.append(f"| `{exercise['id']}` | {scoring.text(exercise['earned'])} / {exercise['points']} "
                     f"| {_status(exercise)} |")
    failures = _failures(record)
    if failures:
        lines += ["", "## What to fix", ""]
    for test, output in failures:
        message = test["message"] or "This check failed."
        fence = _fence(message)
        heading = (f"### {SYMBOL.get(test['status'], '✗')} `{test['exercise'] or '?'}`: "
                   f"{_md_text(title(test['test']))}")
        lines += [heading, "", fence, message.rstrip(), fence, ""]
        if output.strip():
            fence = _fence(output)
            lines += ["Your code printed:", "", fence, output.rstrip(), fence, ""]
    if not failures and record["tests"]:
        lines += ["", "Every check passed. Well done!"]
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
    parts = [(f"<!doctype html><html lang=en><meta charset=utf-8><title>Feedback for "
              f"{e(record['student'])}</title><style>{STYLE}</style><body>"),
             f"<h1>Feedback for {e(record['student'])}</h1>",
             f"<p><strong>Score: {scoring.text(record['total'])} / {record['max_total']}</strong></p>"]
    if record["problems"]:
        parts.append("<h2>About your submission</h2><ul>"
                     + "".join(f"<li>{e(p['message'])}</li>" for p in record["problems"]) + "</ul>")
    rows = "".join(
        f"<tr><td><code>{e(x['id'])}</code></td><td>{scoring.text(x['earned'])} / {x['points']}</td>"
        f"<td class={_css(x)}>{e(_status(x))}</td></tr>" for x in record["exercises"])
    parts.append(f"<h2>Exercises</h2><table><tr><th>Exercise</th><th>Points</th><th>Status</th></tr>"
                 f"{rows}</table>")
    failures = _failures(record)
    if failures:
        parts.append("<h2>What to fix</h2>")
    for test, output in failures:
        parts.append(f"<h3>{SYMBOL.get(test['status'], '✗')} <code>{e(test['exercise'] or '?')}</code>: "
                     f"{e(title(test['test']))}</h3><pre>{e(test['message'] or 'This check failed.')}</pre>")
        if output.strip():
            parts.append(f"<p>Your code printed:</p><pre>{e(output)}</pre>")
    if not failures and record["tests"]:
        parts.append("<p>Every check passed. Well done!</p>")
    notes = advice(record["tests"])
    if notes:
        parts.append(f"<h2>{e(_('Advice (it costs no points)'))}</h2><ul>"
                     + "".join(f"<li><code>{e(exercise or '?')}</code>: {e(note)}</li>"
                               for exercise, note in notes)
                     + "</ul>")
    return "\n".join(parts) + "\n</body></html>\n"


def _css(exercise: dict) -> str:
    status = _status(exercise)
    return "done" if status == "done" else "partly" if status == "partly" else "zero"

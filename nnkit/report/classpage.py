"""The class report page (OUT_DIR/report/index.html) from a class's summary.

Sections, in the order an instructor asks: how the class did (totals), which exercises it did
not get, which named mistakes were common and who made them, what was wrong with submissions,
the values hidden tests recorded (a held-out accuracy, say), and who is at risk. Student names link
to their feedback pages.
"""

from __future__ import annotations

from collections.abc import Iterable

from nnkit.i18n.course import _ as course_text
from nnkit.i18n.lang import _, ngettext
from nnkit.report import figures
from nnkit.report.classstats import ClassStats, Spread, spread
from nnkit.report.page import document, escape, figure, percent, table

MAX_NAMES = 20  # students listed with one mistake; the rest are in mistakes.csv
MAX_PROBLEMS = 200


def group_names() -> dict[str, str]:
    return {"missing": _("Missing files"), "source": _("Files that cannot be read (syntax errors, "
            "encodings, damaged notebooks)"), "timeout": _("Time-outs"), "forbidden": _("Forbidden calls"),
            "other": _("Other submission problems")}


def number(value: float) -> str:
    return f"{value:g}" if float(value).is_integer() else f"{value:.2f}"


def page(stats: ClassStats) -> str:
    body = [f"<h1>{escape(_('Class report'))}</h1>", _lead(stats)]
    body += _totals(stats)
    body += _exercises(stats)
    body += _mistakes(stats)
    body += _problems(stats)
    body += _measures(stats)
    body += _at_risk(stats)
    body.append("<p class=muted>" + escape(_("Computed from results.json alone: run `nnkit report "
                                              "OUT_DIR` to rebuild it. summary.csv and mistakes.csv "
                                              "beside this page hold the same figures.")) + "</p>")
    return document(_("Class report"), body)


def student_link(stats: ClassStats, student: str) -> str:
    target = stats.feedback.get(student)
    return f'<a href="../{escape(target)}">{escape(student)}</a>' if target else escape(student)


def _names(stats: ClassStats, students: list[str]) -> str:
    shown = ", ".join(student_link(stats, s) for s in students[:MAX_NAMES])
    rest = len(students) - MAX_NAMES
    if rest > 0:
        shown += " " + escape(ngettext("and {count} more (see mistakes.csv)",
                                       "and {count} more (see mistakes.csv)", rest).format(count=rest))
    return shown


def _lead(stats: ClassStats) -> str:
    totals = spread(list(stats.totals.values()))
    if totals is None:
        return "<p class=lead>" + escape(_("results.json holds no students yet.")) + "</p>"
    return "<p class=lead>" + escape(ngettext(
        "{count} student graded; median total {median} of {max_total} points.",
        "{count} students graded; median total {median} of {max_total} points.", totals.count).format(
        count=totals.count, median=number(totals.median), max_total=stats.max_total)) + "</p>"


def _spread_table(values: Spread) -> str:
    cells = [str(values.count)] + [number(v) for v in (values.low, values.first_quartile, values.median,
                                                        values.third_quartile, values.high)]
    return table([_("students"), _("lowest"), _("first quartile"), _("median"), _("third quartile"),
                  _("highest")], [cells], numeric=range(6))


def _distribution(values: list[float], low: float, high: float, xlabel: str, what: str) -> list[str]:
    """A histogram with its median and quartiles as lines, its caption, and the five numbers."""
    found = spread(values)
    if found is None:
        return []
    quartiles = _("quartiles {low} and {high}").format(low=number(found.first_quartile),
                                                        high=number(found.third_quartile))
    marks = [(_("median {value}").format(value=number(found.median)), found.median, "-"),
             (quartiles, found.first_quartile, "--"), ("_nolegend_", found.third_quartile, "--")]
    caption = _("{what}: median {median}, quartiles {low} and {high} (solid and dashed lines), from "
                "{lowest} to {highest}.").format(what=what, median=number(found.median),
                                                  low=number(found.first_quartile),
                                                  high=number(found.third_quartile), lowest=number(found.low),
                                                  highest=number(found.high))
    picture = figures.histogram(values, low, high, xlabel, caption, marks)
    return [figure(picture, caption), _spread_table(found)]


def _totals(stats: ClassStats) -> list[str]:
    out = [f"<h2>{escape(_('Totals'))}</h2>"]
    return out + _distribution(list(stats.totals.values()), 0, stats.max_total or 1,
                               _("total points of {max_total}").format(max_total=stats.max_total),
                               _("Totals of the class"))


def _exercises(stats: ClassStats) -> list[str]:
    out = [f"<h2>{escape(_('Exercises, hardest first'))}</h2>",
           "<p>" + escape(_("Sorted by the mean share of points the class earned: the exercises at "
                            "the top are the ones the class did not get.")) + "</p>"]
    if not stats.exercises:
        return out
    caption = _("Mean share of points per exercise, hardest first; the label of each bar gives the share.")
    out.append(figure(figures.bars([e.id for e in stats.exercises], [e.mean_share for e in stats.exercises],
                                   _("mean share of points (%)"), caption), caption))
    rows = [[str(rank), f"<code>{escape(e.id)}</code>", str(e.points), percent(e.mean_share),
             percent(e.full_share), percent(e.not_started_share)]
            for rank, e in enumerate(stats.exercises, start=1)]
    out.append(table([_("rank"), _("exercise"), _("points"), _("mean share of points"),
                      _("at full marks"), _("not started")], rows, numeric=(0, 2, 3, 4, 5)))
    return out


def _mistakes(stats: ClassStats) -> list[str]:
    out = [f"<h2>{escape(_('Most common named mistakes'))}</h2>"]
    if not stats.mistakes:
        return out + ["<p>" + escape(_("No failing check matched a known mistake.")) + "</p>"]
    rows = [[f"<code>{escape(m.name)}</code>", f"<code>{escape(m.exercise)}</code>", str(len(m.students)),
             percent(m.share), _names(stats, m.students),
             (f"<details><summary>{escape(_('what it looks like'))}</summary><pre>{escape(m.example)}</pre>"
              "</details>")] for m in stats.mistakes]
    out.append(table([_("mistake"), _("exercise"), _("students"), _("share of the class"), _("who"),
                      _("a failure naming it")], rows, numeric=(2, 3)))
    return out


def _problems(stats: ClassStats) -> list[str]:
    out = [f"<h2>{escape(_('Submission problems'))}</h2>"]
    if not stats.problems:
        return out + ["<p>" + escape(_("No submission had a problem.")) + "</p>"]
    names = group_names()
    counts = [[escape(names[group]), str(len({p.student for p in stats.problems if p.group == group})),
               str(sum(p.group == group for p in stats.problems))]
              for group in names if any(p.group == group for p in stats.problems)]
    out.append(table([_("problem"), _("students"), _("times")], counts, numeric=(1, 2)))
    rows = [[student_link(stats, p.student), escape(names[p.group]), escape(p.what)]
            for p in stats.problems[:MAX_PROBLEMS]]
    out.append(table([_("student"), _("problem"), _("what")],
                     rows))
    rest = len(stats.problems) - MAX_PROBLEMS
    if rest > 0:
        more = ngettext("{count} more problem is in results.json.",
                        "{count} more problems are in results.json.", rest).format(count=rest)
        out.append("<p>" + escape(more) + "</p>")
    return out


def _measures(stats: ClassStats) -> list[str]:
    """One distribution per recorded measure; one named "… (%)" is drawn from 0 to 100."""
    out = []
    for measure in stats.measures:
        values = list(measure.values.values())
        name = course_text(measure.name)  # a course's text, recorded in English by its hidden test
        title = _("{name} of {exercise}").format(name=name, exercise=measure.exercise)
        out.append(f"<h2>{escape(title)}</h2>")
        high = 100.0 if measure.name.endswith("(%)") else max(values)
        out += _distribution(values, min(0.0, min(values)), high, name, title)
    return out


def _at_risk(stats: ClassStats) -> list[str]:
    out = [f"<h2>{escape(_('Students at risk'))}</h2>",
           "<p>" + escape(_("A total below half the points, or half the exercises or more not started."))
           + "</p>"]
    if not stats.at_risk:
        return out + ["<p>" + escape(_("No student is at risk.")) + "</p>"]
    rows: Iterable[list[str]] = ([student_link(stats, r.student), number(r.total), str(r.max_total),
                                  str(r.not_started), str(r.exercises)] for r in stats.at_risk)
    out.append(table([_("student"), _("total"), _("of"), _("exercises not started"), _("of")], rows,
                     numeric=(1, 2, 3, 4)))
    return out

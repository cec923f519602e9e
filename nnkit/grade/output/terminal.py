"""What `nnkit grade` shows on the terminal: protections, a progress bar, the gradebook."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from nnkit.course import catalog
from nnkit.grade import points, scoring
from nnkit.i18n.lang import N_, _, ngettext

# The gradebook notes a submission problem by its kind, as results.json names it; other languages
# translate these names.
PROBLEMS = frozenset((
    N_("missing_file"), N_("empty"), N_("ambiguous"), N_("ignored_file"), N_("ignored_entry"),
    N_("duplicate"), N_("too_many_files"), N_("too_large"), N_("unreadable"), N_("encoding"),
    N_("syntax_error"), N_("symlink"), N_("unsafe_path"), N_("not_json"), N_("not_notebook"),
    N_("unknown_notebook"),
))


def protections(console: Console, info: dict) -> None:
    """One line of what is enforced; every protection that is off, in red."""
    limits = info["rlimits"]
    if not info["bwrap"]:
        isolation = _("[bold red]NO sandbox[/]")
    elif info["worker_namespaces"] != "none":
        isolation = _("[green]bubblewrap sandbox[/], a private /tmp and no network per worker")
    else:
        isolation = _("[green]bubblewrap sandbox[/]")
    console.print(_("Isolation: {isolation}; workers as uid {uid}; {call:g} s a call, {total:g} s a "
                    "submission; memory {memory} MiB, CPU {cpu} s, files {files} MiB, {open} open files, "
                    "{processes} processes, no core dumps; 1 torch thread.").format(
                        isolation=isolation, uid=escape(str(info["worker_uid"])), call=info["call_seconds"],
                        total=info["total_seconds"], memory=limits["AS"] >> 20, cpu=limits["CPU"],
                        files=limits["FSIZE"] >> 20, open=limits["NOFILE"], processes=limits["NPROC"]))
    for line in info["off"]:
        console.print("[bold red]" + escape(_("Not enforced:")) + "[/] " + escape(line))


@contextmanager
def progress(console: Console, total: int) -> Iterator[Callable[[str], None]]:
    """A progress bar; the yielded function marks one submission done."""
    bar = Progress(TextColumn(escape(_("Grading"))), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.description}"), console=console, transient=True)
    with bar:
        task = bar.add_task("", total=total)

        def advance(student: str) -> None:
            bar.update(task, advance=1, description=escape(student))

        yield advance


def gradebook(console: Console, records: list[dict]) -> None:
    """Points per exercise file, total and problems, one row a student."""
    files = catalog.files()
    maxima = points.maxima()
    table = Table(title=_("Gradebook (points per exercise file)"), show_lines=False, pad_edge=False)
    table.add_column(_("student"), no_wrap=True)
    for stem in files:
        table.add_column(f"{stem[:2]}\n/{maxima[stem]}", justify="right", no_wrap=True)
    table.add_column(_("total") + f"\n/{sum(maxima.values())}", justify="right", style="bold", no_wrap=True)
    table.add_column(_("notes"))
    for record in sorted(records, key=lambda r: r["student"]):
        earned = points.by_file(record["tests"])  # exact fractions, rounded only when printed
        notes = [escape(_(p["kind"]) if p["kind"] in PROBLEMS else p["kind"]) for p in record["problems"]]
        if record.get("grader_problems"):
            notes.append(f"[red]{escape(_('grader problem'))}[/]")
        unloadable = sorted({t["exercise"][:2] for t in record["tests"] if t.get("kind") == "submission"})
        if unloadable:
            text = ngettext("file {files} fails to load", "file {files} fails to load", len(unloadable))
            notes.append(f"[red]{escape(text.format(files=', '.join(unloadable)))}[/]")
        forbidden = sorted({t["exercise"] for t in record["tests"] if t.get("kind") == "forbidden"})
        if forbidden:
            notes.append(f"[red]{escape(_('forbidden call in {ids}').format(ids=', '.join(forbidden)))}[/]")
        timeouts = sum(t["status"] == "timeout" for t in record["tests"])
        if timeouts:
            notes.append(escape(ngettext("{count} timeout", "{count} timeouts", timeouts).format(
                count=timeouts)))
        table.add_row(escape(record["student"]),
                      *(scoring.text(scoring.number(earned[stem])) for stem in files),
                      scoring.text(record["total"]),
                      ", ".join(dict.fromkeys(notes)))
    console.print(table)


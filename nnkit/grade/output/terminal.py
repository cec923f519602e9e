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
from nnkit.grade import scoring


def protections(console: Console, info: dict) -> None:
    """One line of what is enforced; every protection that is off, in red."""
    limits = info["rlimits"]
    sandbox = "[green]bubblewrap sandbox[/]" if info["bwrap"] else "[bold red]NO sandbox[/]"
    private = ", a private /tmp and no network per worker" if info["worker_namespaces"] != "none" else ""
    console.print(f"Isolation: {sandbox}{private}; workers as uid {info['worker_uid']}; "
                  f"{info['call_seconds']:g} s a call, {info['total_seconds']:g} s a submission; "
                  f"memory {limits['AS'] >> 20} MiB, CPU {limits['CPU']} s, files {limits['FSIZE'] >> 20} MiB, "
                  f"{limits['NOFILE']} open files, {limits['NPROC']} processes, no core dumps; "
                  "1 torch thread.")
    for line in info["off"]:
        console.print(f"[bold red]Not enforced:[/] {escape(line)}")


@contextmanager
def progress(console: Console, total: int) -> Iterator[Callable[[str], None]]:
    """A progress bar; the yielded function marks one submission done."""
    bar = Progress(TextColumn("Grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.description}"), console=console, transient=True)
    with bar:
        task = bar.add_task("", total=total)

        def advance(student: str) -> None:
            bar.update(task, advance=1, description=escape(student))

        yield advance


def gradebook(console: Console, records: list[dict]) -> None:
    """Points per exercise file, total and problems, one row a student."""
    files = catalog.files()
    maxima = {stem: sum(e.points for e in catalog.exercises() if e.file == stem) for stem in files}
    table = Table(title="Gradebook (points per exercise file)", show_lines=False, pad_edge=False)
    table.add_column("student", no_wrap=True)
    for stem in files:
        table.add_column(f"{stem[:2]}\n/{maxima[stem]}", justify="right", no_wrap=True)
    table.add_column(f"total\n/{sum(maxima.values())}", justify="right", style="bold", no_wrap=True)
    table.add_column("notes")
    for record in sorted(records, key=lambda r: r["student"]):
        earned = {stem: 0.0 for stem in files}
        for exercise in record["exercises"]:
            earned[exercise["id"].split(".")[0]] += exercise["earned"]
        notes = [p["kind"] for p in record["problems"]]
        if record.get("grader_problems"):
            notes.append("[red]grader problem[/]")
        unloadable = sorted({t["exercise"][:2] for t in record["tests"] if t.get("kind") == "submission"})
        if unloadable:
            notes.append(f"[red]file {', '.join(unloadable)} fails to load[/]")
        forbidden = sorted({t["exercise"] for t in record["tests"] if t.get("kind") == "forbidden"})
        if forbidden:
            notes.append(f"[red]forbidden call in {', '.join(forbidden)}[/]")
        timeouts = sum(t["status"] == "timeout" for t in record["tests"])
        if timeouts:
            notes.append(f"{timeouts} timeout{'s' * (timeouts > 1)}")
        table.add_row(escape(record["student"]),
                      *(scoring.text(_whole(earned[stem])) for stem in files),
                      scoring.text(record["total"]),
                      ", ".join(dict.fromkeys(notes)))
    console.print(table)


def _whole(value: float) -> int | float:
    return round(value) if abs(value - round(value)) < 1e-9 else round(value, 2)

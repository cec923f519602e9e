"""`nnkit check [SELECTOR] [--path DIR]`: run the public checks and report like a tutor.

The checks are ordinary pytest files next to the exercises. A warm check server runs them when
one answers (only the first check of a session pays for importing torch); otherwise they run in
this process, and a server is started for next time. Both print the same report (see `report`).
"""

from __future__ import annotations

import os
from pathlib import Path

from rich.markup import escape

from nnkit.course import catalog, layout
from nnkit.student import client, console, rendezvous, report
from nnkit.testing.verdict import Verdict
from nnkit.wire.messages import Job


def in_process(job: Job) -> tuple[list[Verdict], str | None]:
    from nnkit.student import public_checks  # imports torch and pytest

    verdicts, problems = public_checks.run_checks(job.ids, job.path)
    return verdicts, "; ".join(problems) or None


def run(selector: str | None = None, path: Path | None = None, use_server: bool = True) -> int:
    out = console.console(soft_wrap=True)
    try:
        chosen = catalog.select(selector)
    except catalog.UnknownSelection as error:
        out.print(f"[red]{escape(str(error))}[/]")
        return 2
    folder = layout.submission_folder(path)
    job = Job(ids=[e.id for e in chosen], path=str(folder), cwd=os.getcwd(), env=dict(os.environ))
    use_server = use_server and rendezvous.enabled()
    done = client.run_job(job) if use_server else None
    if done is not None:
        verdicts, problem = [Verdict.from_dict(v) for v in done.verdicts], done.problem
    else:
        verdicts, problem = in_process(job)
        if use_server:
            client.start_in_background()
    return report.show(out, chosen, verdicts, folder, problem)

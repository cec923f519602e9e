"""`nnkit check [SELECTOR] [--path DIR]`: run the public checks and report like a tutor.

The checks are ordinary pytest files next to the exercises. A warm check server runs them when
one answers (only the first check of a session pays for importing torch); otherwise they run in
this process, and a server is started for next time. Both print the same report (see `report`).
"""

from __future__ import annotations

import os
import tempfile
import traceback
from pathlib import Path

from rich.markup import escape

from nnkit.course import catalog, layout
from nnkit.i18n.lang import _
from nnkit.student import client, console, rendezvous, report
from nnkit.testing.verdict import Verdict
from nnkit.wire.messages import Job


def in_process(job: Job) -> tuple[list[Verdict], str | None]:
    """The job's verdicts, run here; a failure of the kit itself becomes a sentence, not a traceback
    (which goes to a log file for whoever fixes it)."""
    try:
        from nnkit.student import public_checks  # imports torch and pytest

        verdicts, problems = public_checks.run_checks(job.ids, job.path)
    except ImportError as error:
        return [], _("The checks need {library}, which does not import here ({error}). Install the kit as "
                     "its README says: pip install torch==2.13.0 -e .").format(
                         library=error.name or _("a library"), error=error)
    except Exception as error:
        handle, name = tempfile.mkstemp(prefix="nnkit-check-error-", suffix=".log")  # this user's own
        log = Path(name)
        with os.fdopen(handle, "w", encoding="utf-8", errors="replace") as out:
            out.write(traceback.format_exc())
        return [], _("The checks could not run ({kind}: {error}). Details: {log}").format(
            kind=type(error).__name__, error=error, log=log)
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
    if use_server:
        rendezvous.fingerprint()  # now, as a server would see this install (running checks changes sys.path)
    done = client.run_job(job) if use_server else None
    if done is not None:
        verdicts, problem = [Verdict.from_dict(v) for v in done.verdicts], done.problem
    else:
        verdicts, problem = in_process(job)
        if use_server:
            client.start_in_background()
    return report.show(out, chosen, verdicts, folder, problem)

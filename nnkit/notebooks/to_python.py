"""Turn a student's notebook into the exercise file it stands for, so it can be graded as one.

`python_files_from_notebook("…/05_losses.ipynb")` gives `{"05_losses.py": text}`: the notebook's
code cells in order, without the kit's check cells, with IPython magics and shell lines (by
jupytext's own rules) and top-level `check(...)` calls commented out. Which exercise file a
notebook is comes from its name (`05_losses.ipynb`), else its folder (nbgrader's
`submitted/<student>/05_losses/<any>.ipynb`), else the metadata `nnkit build` writes into every
notebook. Anything that is not a readable
notebook raises `NotebookProblem` with a message for the student.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from nnkit.course import catalog
from nnkit.i18n.lang import _
from nnkit.submission.source import SourceProblem

# nbformat and jupytext are imported where they are used: with the jsonschema that Jupyter
# installs, importing them costs about a second, which a notebook's check cell should not pay.
if TYPE_CHECKING:
    from nbformat import NotebookNode

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
# A top-level line that imports or calls the kit's `check`: it checks the exercise, not part of it.
CHECK_LINE = re.compile(r"^(from nnkit\.notebooks?(\.check)? import |import nnkit\.notebooks?|check\()")
# Cell magics whose body is still Python; the body of any other (%%bash, %%html…) is not.
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug"}


class NotebookProblem(SourceProblem):
    """A file that cannot be read as a notebook of the kit; `kind` names the problem.

    A SourceProblem, so whatever reports unreadable exercise files reports these too.
    """


def python_files_from_notebook(path: Path) -> dict[str, str]:
    """`{"NN_name.py": source}` for the notebook file at `path`."""
    path = Path(path)
    if not path.is_file():
        raise NotebookProblem("missing_file", _("{name} is missing from the submission.").format(
            name=path.name))
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise _too_large(path.name)
    return python_files_from_bytes(path.read_bytes(), path.name, path.parent.name)


def python_files_from_bytes(data: bytes, name: str, folder: str = "") -> dict[str, str]:
    """The same for a notebook's bytes (a zip member, say) named `name`, found in folder `folder`."""
    notebook = read_notebook(data, name)
    stem = exercise_file_of(name, folder, notebook)
    sources = []
    for cell in notebook.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code" or is_check_cell(cell):
            continue
        source = cell.get("source", "")  # nbformat has joined a list of lines already
        if not isinstance(source, str):
            raise NotebookProblem("not_notebook", _("{name} is a damaged notebook: a code cell's "
                                                    "source is not text.").format(name=name))
        sources.append(source)
    return {f"{stem}.py": code_from_cells(sources)}


def read_notebook(data: bytes, name: str) -> NotebookNode:
    """The notebook `name` as nbformat 4, or NotebookProblem saying what is wrong with it."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise _too_large(name)
    try:
        content = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NotebookProblem("not_json", _("{name} is not a Jupyter notebook: it is not valid JSON "
                                            "({error}). Hand in the .ipynb file that Jupyter saved, "
                                            "unedited.").format(name=name, error=error)) from None
    if not isinstance(content, dict) or not isinstance(content.get("nbformat"), int) \
            or not isinstance(content.get("cells", content.get("worksheets")), list):
        raise NotebookProblem("not_notebook", _("{name} is JSON but not a Jupyter notebook (it has no "
                                                "`nbformat` version and `cells` list).").format(name=name))
    import nbformat

    try:
        return nbformat.reads(json.dumps(content), as_version=4, capture_validation_error={})
    except Exception as error:
        raise NotebookProblem("not_notebook", _("{name} is a damaged notebook that Jupyter cannot "
                                                "read: {error}").format(name=name, error=error)) from None


def _too_large(name: str) -> NotebookProblem:
    return NotebookProblem("too_large", _("{name} is over {size} MiB: clear its outputs (Kernel → Restart "
                                          "& Clear Output), save, and hand it in again.").format(
                                              name=name, size=MAX_NOTEBOOK_BYTES // 2**20))


def exercise_file_of(name: str, folder: str, notebook: NotebookNode) -> str:
    """The exercise file stem notebook `name` (in folder `folder`) stands for."""
    known = catalog.files()
    meta = notebook.metadata.get("nnkit", {})
    candidates = [Path(name).stem, folder, meta.get("exercise_file") if isinstance(meta, dict) else None]
    for stem in candidates:
        if stem in known:
            return stem
    raise NotebookProblem("unknown_notebook", _("{name} is not one of the kit's notebooks: name it after "
                                                "its exercise file ({files}).").format(
                                                    name=name, files=", ".join(known)))


def is_check_cell(cell: NotebookNode) -> bool:
    """nbgrader's autograder cell (the kit's checks), not the student's code."""
    meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell.get("metadata"), dict) else {}
    return isinstance(meta, dict) and bool(meta.get("grade")) and not meta.get("solution")


def code_from_cells(sources: Iterable[str]) -> str:
    """Code cells joined into one Python file, each after a `# %%` line; IPython magics, shell
    lines and top-level uses of the kit's `check` are commented out."""
    from jupytext.magics import comment_magic

    parts = []
    for number, source in enumerate(sources, start=1):
        lines = source.splitlines()
        first = lines[0].strip() if lines else ""
        if first.startswith("%%") and first[2:].split(" ")[0] not in PYTHON_CELL_MAGICS:
            lines = [f"# {line}" for line in lines]
        else:
            lines = [f"# {line}" if CHECK_LINE.match(line) else line
                     for line in comment_magic(lines, "python")]
        parts.append(f"# %% code cell {number}\n" + "\n".join(lines).rstrip() + "\n")
    return "\n".join(parts)

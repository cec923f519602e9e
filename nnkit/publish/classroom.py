"""`nnkit classroom OUT_DIR`: a GitHub Classroom template repository.

It holds the student files (`release.student_bundle`: the stubs and public checks, the data, the
release notebooks, the `nnkit` package and the students' README; never solutions or hidden tests)
and `.github/workflows/classroom.yml` in the form GitHub Classroom writes for an assignment with
autograding tests: a workflow "Autograding Tests" run on push and repository_dispatch, with
`permissions: checks: write, actions: read, contents: read`, one job `run-autograding-tests` on
ubuntu-latest that skips pushes by `github-classroom[bot]`, a step per test that sets a `result`
output, and a last step `classroom-resources/autograding-grading-reporter@v1` that reads each
one from `<STEP-ID>_RESULTS` (upper-cased step id) and the `runners` list of step ids.

Here each test step is one exercise file, scored by `classroom_step` instead of the
all-or-nothing `autograding-command-grader`, so Classroom shows the kit's points for each file.
"""

from __future__ import annotations

from pathlib import Path

from nnkit.course import catalog, layout
from nnkit.i18n.lang import _
from nnkit.publish import release

WORKFLOW = ".github/workflows/classroom.yml"
TORCH = "torch==2.13.0"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
STEP_MINUTES = 10  # the command grader's default timeout

HEADER = """\
# Written by `nnkit classroom`, in the form GitHub Classroom generates for autograding tests.
# Each test step scores one exercise file's public checks as the kit does and sets its result
# output as autograding-command-grader would; the reporter adds the points up.
name: Autograding Tests
'on':
- push
- repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
    - name: Checkout code
      uses: actions/checkout@v4
    - name: Set up Python
      uses: actions/setup-python@v5
      with:
        python-version: '3.12'
    - name: Install CPU torch and the kit
      run: |
        python -m pip install --index-url {index} {torch}
        python -m pip install '.[notebook-code]'
"""

STEP = """\
    - name: {stem}
      id: {id}
      timeout-minutes: {minutes}
      run: python -m nnkit.publish.classroom_step {stem}
"""

REPORTER = """\
    - name: Autograding Reporter
      uses: classroom-resources/autograding-grading-reporter@v1
      env:
{env}
      with:
        runners: {runners}
"""


def step_id(stem: str) -> str:
    """A step id GitHub accepts (a letter first, then letters, digits, `-`, `_`): nnkit-<file>."""
    return "nnkit-" + stem.replace("_", "-").lower()


def workflow() -> str:
    """classroom.yml: set-up, one step per exercise file, the reporter."""
    stems = catalog.files()
    ids = [step_id(stem) for stem in stems]
    env = "\n".join(f'        {i.upper()}_RESULTS: "${{{{steps.{i}.outputs.result}}}}"' for i in ids)
    return (HEADER.format(index=TORCH_CPU_INDEX, torch=TORCH)
            + "".join(STEP.format(stem=stem, id=i, minutes=STEP_MINUTES) for stem, i in zip(stems, ids))
            + REPORTER.format(env=env, runners=",".join(ids)))


def template_files(root: Path, code: str | None = None) -> release.Files:
    """Every file of the template repository, in the edition `code` (default: the language chosen)."""
    files = release.student_bundle(root, release.edition(root, code))
    files[WORKFLOW] = workflow().encode()
    return files


def build(out: Path, root: Path | None = None, force: bool = False) -> Path:
    out = Path(out).resolve()
    release.replace_folder(out, template_files(root or layout.course_root()), force)
    return out


def run(out: Path, force: bool = False) -> int:
    try:
        folder = build(out, force=force)
    except (FileExistsError, ValueError) as error:
        print(error)
        return 1
    except ImportError as error:
        print(_("The template's notebooks are made with nbgrader ({error}): install the notebook "
                "extra, pip install -e '.[notebooks]'.").format(error=error))
        return 1
    print(_("Wrote the template repository {path}: push it to GitHub, mark it as a template, and "
            "choose it as the starter code of a Classroom assignment.").format(path=folder))
    return 0

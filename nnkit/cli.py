"""The `nnkit` command: parses arguments and hands each subcommand to its module."""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

from nnkit.i18n import argparse_texts, lang
from nnkit.i18n.lang import _


def _language_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=lang.languages(), default=argparse.SUPPRESS,
                        help=_("the language of every text (default: NNKIT_LANG, else the locale, else "
                               "English); the processes nnkit starts speak it too"))


def parser() -> argparse.ArgumentParser:
    """The command line, its help texts in the language already chosen (`choose_language`)."""
    common = argparse.ArgumentParser(add_help=False)
    _language_option(common)
    top = argparse.ArgumentParser(prog="nnkit", description=_("Neural-network exercises in PyTorch, "
                                  "with local checks and an isolating grader."), parents=[common])
    commands = top.add_subparsers(dest="command", required=True, metavar=_("COMMAND"))
    add = functools.partial(commands.add_parser, parents=[common])

    check = add("check", help=_("run the public checks (all, or one file or exercise)"))
    check.add_argument("selector", nargs="?",
                       help=_("a file's number or name, or an exercise id (default: all)"))
    check.add_argument("--path", type=Path, help=_("folder of exercise files to check (default: exercises/)"))
    check.add_argument("--no-server", action="store_true", help=_("check in this process, without the "
                       "warm check server (also: NNKIT_CHECK_SERVER=off)"))

    server = add("server", help=_("the warm check server that makes `nnkit check` fast"))
    server.add_argument("action", choices=("start", "stop", "status"),
                        help=_("start it now, stop it, or say whether it runs"))

    watch = add("watch", help=_("re-check whenever an exercise file is saved"))
    watch.add_argument("--path", type=Path, help=_("folder to watch (default: exercises/)"))
    watch.add_argument("--poll", action="store_true", help=_("poll for changes instead of file events"))

    hint = add("hint", help=_("show the next hint for an exercise"))
    hint.add_argument("selector", help=_("an exercise id (<file>.<function>)"))
    hint.add_argument("--level", type=int, help=_("show hints up to this tier"))

    build = add("build", help=_("generate exercises/ and source/ from solutions/ (course authors)"))
    build.add_argument("--check", action="store_true", help=_("fail if a generated file is stale"))

    grade = add("grade", help=_("grade a class of submissions in isolated workers (Linux)"))
    grade.add_argument("class_dir", type=Path, metavar="CLASS_DIR",
                       help=_("one folder or .zip per student, named by the student id"))
    grade.add_argument("--out", type=Path, required=True, help=_("where grades.csv, results.json and "
                       "feedback/ go"))
    grade.add_argument("--jobs", type=int, default=None, help=_("submissions graded in parallel "
                       "(default: the number of cores)"))
    grade.add_argument("--timeout", type=float, default=10.0, help=_("seconds a call may take (default 10)"))
    grade.add_argument("--total", type=float, default=300.0, help=_("seconds a submission may take in "
                       "all (default 300)"))
    grade.add_argument("--course", type=Path, default=None, help=_("the course folder whose checks and "
                       "hidden tests grade (default: the one the current folder is in)"))
    grade.add_argument("--fresh", action="store_true", help=_("grade every submission again instead "
                       "of reusing the records an interrupted run left in OUT/.work/"))
    grade.add_argument("--roster", type=Path, help=_(
        "whose each submission is: a Canvas gradebook export, a Moodle grades export or a "
        "submission,name,email,id CSV"))
    grade.add_argument("--missing-as-zero", action="store_true", help=_(
        "0 instead of empty cells for the roster students who handed in nothing"))


    report = add("report", help=_("the class report of a graded class: OUT_DIR/report/"))
    report.add_argument("out", type=Path, metavar="OUT_DIR", help=_("the folder `nnkit grade --out` wrote"))

    similarity = add("similarity", help=_("submissions that share code beyond what the "
                                                          "kit gave everyone, and copies of the reference "
                                                          "solutions"))
    similarity.add_argument("class_dir", type=Path, metavar="CLASS_DIR",
                            help=_("one folder or .zip per student, as for `nnkit grade`"))
    similarity.add_argument("--out", type=Path, required=True, help=_("where index.html and pairs.csv go"))
    similarity.add_argument("--threshold", type=float, default=None, help=_(
        "the share of a file's own code that the other file holds too, above 0 and at most 1, from "
        "which a pair is listed (default 0.5)"))
    similarity.add_argument("--limit", type=int, default=None, help=_(
        "pairs shown side by side on the page, most similar first (default 100; pairs.csv lists them all)"))

    demo = add("demo", help=_("grade a small demo class: a perfect student, one with "
                               "mistakes, one with stubs, one who cheats"))
    demo.add_argument("--out", type=Path, default=Path("nnkit-demo"), help=_("output folder "
                      "(default: ./nnkit-demo)"))
    demo.add_argument("--jobs", type=int, default=None, help=_("submissions graded in parallel"))

    release = add("release", help=_("build the student bundle: OUT/ and OUT.zip"))
    release.add_argument("out", type=Path, metavar="OUT", help=_("the bundle folder to write"))
    release.add_argument("--force", action="store_true", help=_("replace OUT if it exists"))

    gradescope = add("gradescope", help=_("build a Gradescope autograder zip"))
    gradescope.add_argument("out", type=Path, metavar="OUT.zip", help=_("the zip to write"))
    gradescope.add_argument("--visibility", default="visible", help=_("when students see each "
                            "exercise's result: visible (default), after_due_date, "
                            "after_published or hidden"))

    export = add("export", help=_("write a graded class's grades for an LMS to import"))
    lms = export.add_subparsers(dest="lms", required=True, metavar=_("LMS"))
    canvas = lms.add_parser("canvas", parents=[common], help=_("a CSV for Canvas's gradebook import"))
    moodle = lms.add_parser("moodle", parents=[common], help=_("a CSV for Moodle's grade import (CSV file)"))
    for each in (canvas, moodle):
        each.add_argument("out_dir", type=Path, metavar="OUT_DIR", help=_("the --out folder of nnkit grade"))
        each.add_argument("--roster", type=Path, required=True, help=_(
            "a Canvas gradebook export, a Moodle grades export or a submission,name,email,id CSV"))
        each.add_argument("--per-file", action="store_true", help=_(
            "one grade column per exercise file instead of one total"))
        each.add_argument("--to", type=Path, help=_(
            "the CSV to write (default: OUT_DIR/canvas.csv or OUT_DIR/moodle.csv)"))
        each.add_argument("--missing-as-zero", action="store_true", help=_(
            "0 instead of no grade for the roster students who handed in nothing"))
    canvas.add_argument("--assignment", action="append", default=[], metavar='"TITLE (ID)"', help=_(
        'the Canvas assignment of the total column; with --per-file, "FILE=TITLE (ID)" once per file'))
    canvas.add_argument("--no-points-possible", action="store_true", help=_(
        "leave out the Points Possible row"))
    moodle.add_argument("--identifier", choices=("email", "idnumber", "username"), default="email", help=_(
        "the column Moodle finds each student by (default: email)"))
    moodle.add_argument("--feedback", action="store_true", help=_(
        "a feedback column beside each grade column, holding the student's feedback page"))

    classroom = add("classroom", help=_("write a GitHub Classroom template repository"))
    classroom.add_argument("out", type=Path, metavar="OUT_DIR", help=_("the folder to write"))
    classroom.add_argument("--force", action="store_true", help=_("replace OUT_DIR if it exists"))

    dev = add("dev", help=_("course author's tools"))
    dev_commands = dev.add_subparsers(dest="dev_command", required=True, metavar=_("TOOL"))
    dev_commands.add_parser("check", parents=[common],
                            help=_("every stub fails its checks, every solution passes"))
    return top


def choose_language(argv: list[str]) -> None:
    """Take `--lang` (anywhere on the command line) before any text is made, help texts included."""
    argparse_texts.install()
    early = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    _language_option(early)
    try:
        known, _rest = early.parse_known_args(argv)
    except argparse.ArgumentError:  # a wrong --lang: the whole parser says so, in the chosen language
        return
    if getattr(known, "lang", None):
        lang.choose(known.lang)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    choose_language(argv)
    args = parser().parse_args(argv)
    try:
        return run(args)
    except KeyboardInterrupt:  # Ctrl-C: stop quietly, with the status a shell gives it
        return 130


def run(args: argparse.Namespace) -> int:
    if args.command == "check":
        from nnkit.student import check
        return check.run(args.selector, args.path, use_server=not args.no_server)
    if args.command == "server":
        from nnkit.student import client
        return client.command(args.action)
    if args.command == "watch":
        from nnkit.student import watch
        return watch.run(args.path, poll=args.poll)
    if args.command == "hint":
        from nnkit.student import hint
        return hint.run(args.selector, args.level)
    if args.command == "build":
        from nnkit.build import command
        return command.run(check=args.check)
    if args.command in ("grade", "demo"):
        sys.dont_write_bytecode = True  # a batch writes to OUT_DIR only, no __pycache__ in the kit
    if args.command == "grade":
        from nnkit.grade import command as grade
        return grade.run(args.class_dir, args.out, jobs=args.jobs, timeout=args.timeout,
                         total=args.total, course=args.course, fresh=args.fresh,
                         roster_file=args.roster, missing_as_zero=args.missing_as_zero)
    if args.command == "report":
        from nnkit.report import classreport
        return classreport.run(args.out)
    if args.command == "similarity":
        from nnkit.report import similarity
        return similarity.run(args.class_dir, args.out, threshold=args.threshold, limit=args.limit)
    if args.command == "demo":
        from nnkit.grade import demo
        return demo.run(args.out, jobs=args.jobs)
    if args.command == "release":
        from nnkit.publish import release
        return release.run(args.out, force=args.force)
    if args.command == "gradescope":
        from nnkit.publish import gradescope
        return gradescope.run(args.out, visibility=args.visibility)
    if args.command == "export" and args.lms == "canvas":
        from nnkit.publish import canvas
        return canvas.run(args.out_dir, args.roster, args.assignment, per_file=args.per_file, to=args.to,
                          missing_as_zero=args.missing_as_zero,
                          points_possible=not args.no_points_possible)
    if args.command == "export":
        from nnkit.publish import moodle
        return moodle.run(args.out_dir, args.roster, args.identifier, per_file=args.per_file,
                          with_feedback=args.feedback, to=args.to, missing_as_zero=args.missing_as_zero)
    if args.command == "classroom":
        from nnkit.publish import classroom
        return classroom.run(args.out, force=args.force)
    if args.command == "dev":
        from nnkit.build import devcheck
        return devcheck.run_command()
    return 2


if __name__ == "__main__":
    sys.exit(main())

"""The `nnkit` command: parses arguments and hands each subcommand to its module."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="nnkit", description="Neural-network exercises in PyTorch, "
                                  "with local checks and an isolating grader.")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="run the public checks (all, or one file or exercise)")
    check.add_argument("selector", nargs="?", help="05, 05_losses or 05_losses.mse (default: all)")
    check.add_argument("--path", type=Path, help="folder of exercise files to check (default: exercises/)")

    watch = commands.add_parser("watch", help="re-check whenever an exercise file is saved")
    watch.add_argument("--path", type=Path, help="folder to watch (default: exercises/)")
    watch.add_argument("--poll", action="store_true", help="poll for changes instead of file events")

    hint = commands.add_parser("hint", help="show the next hint for an exercise")
    hint.add_argument("selector", help="an exercise id, e.g. 05_losses.mse")
    hint.add_argument("--level", type=int, help="show hints up to this tier")

    build = commands.add_parser("build", help="generate exercises/ from solutions/ (kit developers)")
    build.add_argument("--check", action="store_true", help="fail if a generated file is stale")

    dev = commands.add_parser("dev", help="kit developer tools")
    dev_commands = dev.add_subparsers(dest="dev_command", required=True, metavar="TOOL")
    dev_commands.add_parser("check", help="every stub fails its checks, every solution passes")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "check":
        from nnkit import check
        return check.run(args.selector, args.path)
    if args.command == "watch":
        from nnkit import watch
        return watch.run(args.path, poll=args.poll)
    if args.command == "hint":
        from nnkit import hint
        return hint.run(args.selector, args.level)
    if args.command == "build":
        from nnkit.build import command
        return command.run(check=args.check)
    if args.command == "dev":
        from nnkit import devcheck
        return devcheck.run()
    return 2


if __name__ == "__main__":
    sys.exit(main())

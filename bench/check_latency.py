"""What a check costs a student, measured against `python -c "import torch"` in the same script.

Measured, in turn and several times:
- `import torch`: the baseline every check pays at least once;
- `nnkit check --no-server`: cold, a fresh process imports torch, pytest and the kit, then checks;
- `nnkit check` served by a warm check server: on Linux (a fresh fork of a warm process per
  check) and on the portable path (Windows and macOS, pretended here as the tests pretend them:
  no fork, a warm process spawned ahead for each check);
- a re-check of `nnkit watch`: one job run by a warm process (as watch runs it on a save), on
  both paths.
On the portable path the next warm process is spawned when one is used up; a student saves or
runs the next check seconds later, so each measurement waits until it is warm, and says how
long that warm-up takes. Prints medians, and each as a ratio to `import torch`.

    python bench/check_latency.py [--repeat 5] [--path solutions]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PRETEND = {
    "PYTHONPATH": os.pathsep.join([str(ROOT / "tests" / "pretend"), str(ROOT)]),  # this checkout's kit
    "NNKIT_PRETEND": "Windows",
    "USERNAME": "student",
}


def seconds(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - start


def wait_warm_server(env: dict[str, str]) -> float:
    """Wait until the server of `env` has a warm process ready; how long that took."""
    code = ("import sys, time\nfrom nnkit.student import client\nfrom nnkit.wire import messages\n"
            "while not (client.tell(messages.Ping()) or messages.Pong(pid=0)).warm: time.sleep(0.05)")
    return seconds([sys.executable, "-c", code], env)


def jobs_served(env: dict[str, str]) -> int:
    """How many jobs the servers of `env` have answered, as their log says (one line each)."""
    folder = Path(env["NNKIT_CHECK_SERVER_DIR"])
    return sum(p.read_text(errors="replace").count("job served:") for p in folder.glob("*.log"))


def served(path: str, env: dict[str, str], repeat: int) -> tuple[list[float], list[float]]:
    """Warm checks through a server started with `env`; and the warm-ups waited for between them.
    Exits if any of them was not answered by the server (a check that fell back to running
    in-process would be measured as a cold one)."""
    nnkit = [sys.executable, "-m", "nnkit"]
    before = jobs_served(env)
    started = subprocess.run([*nnkit, "server", "start"], cwd=ROOT, env=env, capture_output=True, text=True,
                             check=False)
    if started.returncode:
        sys.exit(f"the check server did not start:\n{started.stdout}{started.stderr}")
    checks, warmups = [], []
    try:
        seconds([*nnkit, "check", "--path", path], env)  # the first answer is discarded
        for _ in range(repeat):
            warmups.append(wait_warm_server(env))
            checks.append(seconds([*nnkit, "check", "--path", path], env))
        answered = jobs_served(env) - before
    finally:
        subprocess.run([*nnkit, "server", "stop"], cwd=ROOT, env=env, capture_output=True, check=False)
    if answered != repeat + 1:
        sys.exit(f"the check server answered {answered} of the {repeat + 1} checks sent to it; the others "
                 f"ran in-process, so these are no warm timings (see the log in "
                 f"{env['NNKIT_CHECK_SERVER_DIR']})")
    return checks, warmups


def rechecks(path: str, env: dict[str, str], repeat: int) -> list[float]:
    """Jobs run by one warm process of `nnkit watch`, each once it is warm."""
    from nnkit.course import catalog
    from nnkit.student.warm import WarmProcess
    from nnkit.wire.messages import Job

    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # the warm processes inherit this (and with it the pretence)
    warm = WarmProcess()
    job = Job(ids=[e.id for e in catalog.exercises()], path=str(ROOT / path), cwd=str(ROOT), env=env)
    found = []
    try:
        warm.run(job)  # the first is discarded
        for _ in range(repeat):
            warm.wait_warm()
            start = time.perf_counter()
            done = warm.run(job)
            found.append(time.perf_counter() - start)
            if done.problem or not done.verdicts:
                sys.exit(f"a re-check failed: {done.problem}")
    finally:
        warm.close()
        os.environ.clear()
        os.environ.update(saved)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--path", default="solutions")
    args = parser.parse_args()
    linux = {**os.environ, "NNKIT_CHECK_SERVER": "on",
             "NNKIT_CHECK_SERVER_DIR": tempfile.mkdtemp(prefix="nnkit-")}
    portable = {**linux, **PRETEND, "NNKIT_CHECK_SERVER_DIR": tempfile.mkdtemp(prefix="nnkit-")}
    torch = [seconds([sys.executable, "-c", "import torch"], linux) for _ in range(args.repeat)]
    cold = [seconds([sys.executable, "-m", "nnkit", "check", "--path", args.path, "--no-server"], linux)
            for _ in range(args.repeat)]
    linux_checks, _ = served(args.path, linux, args.repeat)
    portable_checks, warmups = served(args.path, portable, args.repeat)
    rows = {
        "import torch": torch,
        f"nnkit check --path {args.path} --no-server (cold)": cold,
        "warm check through the server, Linux (fork)": linux_checks,
        "warm check through the server, portable (spawned ahead)": portable_checks,
        "nnkit watch re-check, Linux (fork)": rechecks(args.path, linux, args.repeat),
        "nnkit watch re-check, portable (spawned ahead)": rechecks(args.path, portable, args.repeat),
    }
    base = statistics.median(torch)
    width = max(map(len, rows))
    for name, values in rows.items():
        value = statistics.median(values)
        print(f"{name:<{width}}  median {value:6.3f} s  ratio to import torch {value / base:5.2f}x  "
              f"(n={len(values)})")
    print(f"\nportable path: a used-up warm process is replaced in {statistics.median(warmups):.2f} s "
          "(median wait before the next check found one warm)")


if __name__ == "__main__":
    main()

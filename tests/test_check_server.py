"""The warm check server behind `nnkit check`: same output as in-process, replaced when stale,
bypassed when broken or switched off, this user's alone, gone when idle, and a client that
leaves takes its check with it.

Every test runs its own server in its own folder (NNKIT_CHECK_SERVER_DIR) and stops it.
"""

from __future__ import annotations

import json
import os
import pty
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from nnkit.course import layout
from nnkit.student import rendezvous as checkproto

ROOT = layout.course_root()
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the check server is Linux-only")


class Server:
    """One test's check server: its folder, the environment that reaches it, and its pid."""

    def __init__(self, folder: Path, **env: str):
        self.folder = folder
        self.env = {**os.environ, checkproto.ENV_SWITCH: "on", checkproto.ENV_DIR: str(folder), **env}
        self.pids: set[int] = set()

    def nnkit(self, *args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "nnkit", *args], cwd=cwd, capture_output=True,
                              text=True, timeout=300, env={**self.env, **env}, check=False)

    def start(self, **env: str) -> int:
        run = self.nnkit("server", "start", **env)
        assert run.returncode == 0, run.stdout + run.stderr + self.log()
        pid = int(run.stdout.split("pid ")[1].split(")")[0])
        self.pids.add(pid)
        return pid

    def status(self, **env: str) -> int | None:
        run = self.nnkit("server", "status", **env)
        if run.returncode:
            return None
        pid = int(run.stdout.split("pid ")[1].split(")")[0])
        self.pids.add(pid)
        return pid

    def log(self) -> str:
        return "".join(p.read_text(errors="replace") for p in self.folder.glob("*.log"))

    def served(self) -> int:
        """How many checks servers of this folder have forked a child for."""
        return self.log().count(": child ")

    def socket_path(self) -> Path:
        return next(self.folder.glob("*.sock"))


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting for its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def wait_until(condition, seconds: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting: {what}")


@contextmanager
def server_in_a_folder_of_its_own() -> Iterator[Server]:
    """A server folder of its own; whatever server ran there is stopped at the end."""
    folder = Path(tempfile.mkdtemp(prefix="nk", dir="/tmp"))  # short: socket paths are limited
    folder.chmod(0o700)
    box = Server(folder)
    try:
        yield box
    finally:
        folder.chmod(0o700)
        box.nnkit("server", "stop")
        for pid in box.pids | {p for p in map(_pid_in_log_line, box.log().splitlines()) if p}:
            try:
                wait_until(lambda pid=pid: not alive(pid), 10, f"server {pid} to stop")
            except AssertionError:
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def server() -> Iterator[Server]:
    """For tests that kill, replace or time out their server: one of their own."""
    with server_in_a_folder_of_its_own() as box:
        yield box


@pytest.fixture(scope="module")
def running() -> Iterator[Server]:
    """One warm server the tests that only use it share (each start costs an import of torch)."""
    with server_in_a_folder_of_its_own() as box:
        box.start()
        yield box


def _pid_in_log_line(line: str) -> int | None:
    if "] " not in line or "[" not in line:
        return None
    text = line.split("[", 1)[1].split("]", 1)[0]
    return int(text) if text.isdigit() else None


def same_as_in_process(box: Server, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run `nnkit check ARGS` through the server and in-process; assert both say the same."""
    before = box.served()
    served = box.nnkit("check", *args, cwd=cwd)
    assert box.served() == before + 1, box.log()
    alone = box.nnkit("check", *args, "--no-server", cwd=cwd)
    assert (served.stdout, served.stderr, served.returncode) == (alone.stdout, alone.stderr, alone.returncode)
    return served


def test_a_served_check_prints_the_same_lines_and_exit_status_as_an_in_process_one(running):
    solved = same_as_in_process(running, "--path", "solutions")
    assert solved.returncode == 0 and "Progress: 34/34 exercises done" in solved.stdout
    stubs = same_as_in_process(running)
    assert stubs.returncode == 1 and "01_matrices.article_matrices is not started yet" in stubs.stdout
    one = same_as_in_process(running, "05_losses.mse", "--path", "solutions")
    assert one.returncode == 0 and "Progress: 1/1" in one.stdout
    unknown = same_as_in_process(running, "99_nothing")
    assert unknown.returncode == 2 and "no exercise matches" in unknown.stdout


def test_a_served_check_runs_in_the_clients_folder_with_a_relative_path(running, tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "mine")
    run = same_as_in_process(running, "06", "--path", "mine", cwd=tmp_path)
    assert run.returncode == 0 and str(tmp_path / "mine") in run.stdout


def run_in_a_terminal(box: Server, *args: str) -> tuple[bytes, int]:
    """`nnkit ARGS` on a pseudo-terminal: what it wrote (colours and all) and its exit status."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update({**box.env, "TERM": "xterm-256color", "COLUMNS": "100"})
        os.environ.pop("NO_COLOR", None)
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, "-m", "nnkit", *args])
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    return out, os.waitstatus_to_exitcode(status)


def test_on_a_terminal_the_served_check_writes_the_same_colours(running):
    before = running.served()
    served = run_in_a_terminal(running, "check", "05_losses.mse")
    assert running.served() == before + 1
    alone = run_in_a_terminal(running, "check", "05_losses.mse", "--no-server")
    assert served == alone
    assert b"\x1b[1;31m" in served[0] and served[1] == 1  # red: rich saw a terminal


def test_a_check_from_a_changed_install_replaces_the_stale_server(server, tmp_path):
    old = server.start()
    changed = {"PYTHONPATH": str(tmp_path)}  # another import path: another fingerprint
    run = server.nnkit("check", "05", "--path", "solutions", **changed)
    assert run.returncode == 0 and "Progress: 4/4" in run.stdout
    wait_until(lambda: not alive(old), 30, "the stale server to exit")
    assert "this server is stale" in server.log()
    wait_until(lambda: server.status(**changed) is not None, 120, "a replacement server")
    assert server.status(**changed) != old
    before = server.served()
    assert server.nnkit("check", "05", "--path", "solutions", **changed).returncode == 0
    assert server.served() == before + 1


def test_a_killed_server_leads_to_an_in_process_check_and_a_new_server(server):
    old = server.start()
    os.kill(old, signal.SIGKILL)
    wait_until(lambda: not alive(old), 10, "the server to die")
    assert server.socket_path().exists()  # left behind by the dead server
    run = server.nnkit("check", "05", "--path", "solutions")
    assert run.returncode == 0 and "Progress: 4/4" in run.stdout and run.stderr == ""
    wait_until(lambda: server.status() not in (None, old), 120, "a new server")


def test_a_socket_file_full_of_garbage_leads_to_an_in_process_check(server):
    server.start()
    path = server.socket_path()
    server.nnkit("server", "stop")
    wait_until(lambda: not path.exists(), 10, "the socket to go")
    path.write_bytes(b"\x00garbage" * 100)
    run = server.nnkit("check")
    assert run.returncode == 1 and "Progress: 0/34" in run.stdout and run.stderr == ""


def test_a_server_that_answers_garbage_leads_to_an_in_process_check(server):
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(server.folder / f"check-{rendezvous_key(server.env)}.sock"))
    listener.listen(4)
    met: list[socket.socket] = []

    def answer_garbage() -> None:
        conn, _ = listener.accept()
        met.append(conn)
        conn.recv(65536)
        conn.sendall(struct.pack("!I", 5) + b"{{{{{")

    thread = threading.Thread(target=answer_garbage, daemon=True)
    thread.start()
    try:
        run = server.nnkit("check", "05_losses.mse")
    finally:
        listener.close()
        thread.join(5)
        for conn in met:
            conn.close()
    assert met, "the client did not try the socket"
    assert run.returncode == 1 and "05_losses.mse is not started yet" in run.stdout and run.stderr == ""


def rendezvous_key(env: dict) -> str:
    """The name a client with `env` gives its server's files."""
    code = "from nnkit.student import rendezvous as checkproto; print(checkproto.rendezvous().key)"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_no_server_flag_and_the_environment_switch_bypass_the_server(running):
    before = running.served()
    assert running.nnkit("check", "05", "--no-server").returncode == 1
    assert running.nnkit("check", "05", **{checkproto.ENV_SWITCH: "off"}).returncode == 1
    assert running.served() == before


def test_with_the_server_off_no_server_is_started(server):
    run = server.nnkit("check", "05", "--path", "solutions", **{checkproto.ENV_SWITCH: "off"})
    assert run.returncode == 0
    time.sleep(1)
    assert not list(server.folder.glob("*.sock")) and server.log() == ""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to connect as another uid")
def test_a_request_from_another_uid_is_refused(running):
    path = running.socket_path()
    running.folder.chmod(0o711)  # let uid 65534 reach the socket: the peer check must stop it
    path.chmod(0o777)
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(reader)
            os.setgid(65534)
            os.setuid(65534)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(10)
            sock.connect(str(path))
            answer, _ = checkproto.receive(sock)  # the server speaks first, and only to refuse
            os.write(writer, json.dumps(answer).encode())
        except BaseException as error:  # noqa: BLE001 - the parent shows what went wrong
            os.write(writer, json.dumps(repr(error)).encode())
        finally:
            os._exit(0)
    os.close(writer)
    os.waitpid(pid, 0)
    with os.fdopen(reader) as answer:
        said = json.loads(answer.read() or "null")
    running.folder.chmod(0o700)
    assert said == {"ok": False, "error": "refused: another user"}
    assert "refused a connection from uid 65534" in running.log()


def test_the_server_exits_after_its_idle_timeout(server):
    pid = server.start(**{checkproto.ENV_IDLE: "2"})
    assert alive(pid)
    wait_until(lambda: not alive(pid), 60, "the idle server to exit")
    assert "idle for 2 s: exiting" in server.log()
    assert not list(server.folder.glob("*.sock"))


def a_folder_where_mse_hangs(tmp_path: Path) -> Path:
    folder = tmp_path / "hangs"
    shutil.copytree(ROOT / "solutions", folder)
    source = (folder / "05_losses.py").read_text()
    start = source.index("def mse(")
    body = source.index('"""', source.index('"""', start) + 3) + 3
    (folder / "05_losses.py").write_text(source[:body] + "\n    import time\n    time.sleep(600)\n"
                                         + source[body:])
    return folder


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "killed"])
def test_a_client_that_goes_away_ends_its_check(running, tmp_path, how):
    folder = a_folder_where_mse_hangs(tmp_path)
    before = running.served()
    client = subprocess.Popen([sys.executable, "-m", "nnkit", "check", "05_losses.mse", "--path", str(folder)],
                              cwd=ROOT, env=running.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: running.served() == before + 1, 60, "the check to start")
        child = int(running.log().rsplit(": child ", 1)[1].split()[0])
        time.sleep(1)
        assert alive(child)
        client.send_signal(how)
        assert client.wait(timeout=30) == (130 if how == signal.SIGINT else -signal.SIGKILL)
        wait_until(lambda: not alive(child), 30, "the child to be killed")
        assert f"killed child {child}: its client went away" in running.log()
    finally:
        client.kill()
        client.wait()

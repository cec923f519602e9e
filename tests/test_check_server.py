"""The warm check server behind `nnkit check`: replaced when stale, bypassed when broken or switched
off, this user's alone (both sides prove they hold the secret before anything crosses), gone when
idle, and a client that leaves takes its check with it.

Every test runs its own server in its own folder and stops it (see tests/students.py).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from students import ROOT, Terminal, alive, wait_until

from nnkit.student import rendezvous
from nnkit.wire import frames, messages

SOLVED = ("check", "05", "--path", "solutions")
SERVED = "job served:"  # the server's log line for each job it answered


@pytest.fixture
def terminal(tmp_path) -> Iterator[Terminal]:
    box = Terminal("Linux", tmp_path)
    yield box
    box.stop_server()


def address(box: Terminal) -> dict:
    place = rendezvous.Rendezvous(box.folder / "server", rendezvous.rendezvous().key)
    return json.loads(place.address.read_text())


def address_file(box: Terminal) -> Path:
    return rendezvous.Rendezvous(box.folder / "server", rendezvous.rendezvous().key).address


def served(box: Terminal) -> int:
    """How many jobs this terminal's servers have answered (a check run in-process logs none)."""
    return box.log().count(SERVED)


def solved_output(box: Terminal) -> str:
    run = box.nnkit(*SOLVED, "--no-server")
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def test_the_first_check_runs_in_process_and_starts_a_server_that_serves_the_next(terminal):
    first = terminal.nnkit(*SOLVED)
    assert first.returncode == 0 and "All selected checks pass." in first.stdout, first.stderr
    wait_until(lambda: address_file(terminal).is_file(), 180, "the server to be warm")
    assert served(terminal) == 0, terminal.log()
    second = terminal.nnkit(*SOLVED)
    assert second.stdout == first.stdout and second.returncode == 0
    assert terminal.log().count("warm in") == 1 and served(terminal) == 1, terminal.log()


def test_the_servers_files_are_this_users_alone(terminal):
    assert terminal.nnkit("server", "start").returncode == 0, terminal.log()
    folder = terminal.folder / "server"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(address_file(terminal).stat().st_mode) == 0o600


def test_a_folder_others_can_read_is_never_used(terminal):
    folder = terminal.folder / "server"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    run = terminal.nnkit(*SOLVED)
    assert run.returncode == 0 and not list(folder.iterdir()), list(folder.iterdir())
    started = terminal.nnkit("server", "start")
    assert started.returncode == 1 and "did not start" in started.stdout


def test_a_stale_server_is_replaced_and_the_check_still_right(terminal):
    (terminal.folder / "server").mkdir(mode=0o700)
    with open(terminal.folder / "server" / "old-server.log", "ab") as log:
        old = subprocess.Popen(
            [sys.executable, "-m", "nnkit.student.server", "--fingerprint", "an old install"],
            env=terminal.env, stdout=log, stderr=log)
    wait_until(lambda: address_file(terminal).is_file(), 180, "the old server to be warm")
    run = terminal.nnkit(*SOLVED)
    assert run.returncode == 0 and run.stdout == solved_output(terminal), run.stderr
    old.wait(timeout=60)
    assert "this server is stale, exiting" in terminal.log()
    wait_until(lambda: terminal.log().count("warm in") == 2, 180, "a new server to start")
    assert terminal.nnkit("server", "status").returncode == 0, terminal.log()


def test_a_killed_server_or_a_garbage_address_means_an_in_process_check(terminal):
    assert terminal.nnkit("server", "start").returncode == 0, terminal.log()
    pid = address(terminal)["pid"]
    os.killpg(os.getpgid(pid), signal.SIGKILL)
    wait_until(lambda: not alive(pid), 30, "the server to die")
    killed = terminal.nnkit(*SOLVED, NNKIT_CHECK_SERVER_IDLE="0")
    assert killed.returncode == 0 and killed.stdout == solved_output(terminal), killed.stderr
    address_file(terminal).write_text("{not json")
    garbage = terminal.nnkit(*SOLVED, NNKIT_CHECK_SERVER_IDLE="0")
    assert garbage.returncode == 0 and garbage.stdout == killed.stdout, garbage.stderr


class Impostor:
    """A process of someone else's that listens where the address points, but lacks the secret."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.received: list[dict] = []
        threading.Thread(target=self.serve, daemon=True).start()

    @property
    def port(self) -> int:
        return self.listener.getsockname()[1]

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                try:
                    knock, _ = frames.recv(conn, 5)
                    self.received.append(knock)
                    frames.send(conn, messages.Challenge(nonce="n", proof="made up", pid=1).header())
                    self.received.append(frames.recv(conn, 5)[0])
                except frames.FrameError:
                    pass


def test_a_server_without_the_secret_never_receives_a_request(terminal):
    impostor = Impostor()
    folder = terminal.folder / "server"
    folder.mkdir(mode=0o700)
    rendezvous.write_address(rendezvous.Rendezvous(folder, rendezvous.rendezvous().key), impostor.port,
                             rendezvous.new_secret(), 1)
    run = terminal.nnkit(*SOLVED, NNKIT_CHECK_SERVER_IDLE="0")
    assert run.returncode == 0 and run.stdout == solved_output(terminal), run.stderr
    assert [m.get("op") for m in impostor.received] == ["knock"], impostor.received  # no job, no environment
    impostor.listener.close()


def test_a_client_without_the_secret_is_refused(terminal):
    assert terminal.nnkit("server", "start").returncode == 0, terminal.log()
    with socket.create_connection(("127.0.0.1", address(terminal)["port"]), timeout=10) as conn:
        frames.send(conn, messages.Knock(nonce="mine").header())
        messages.decode(frames.recv(conn, 10)[0], messages.Challenge)
        job = messages.Job(ids=["05_losses.mse"], path=str(ROOT), cwd=str(ROOT), env={})
        frames.send(conn, messages.Hello(proof="a guess", fingerprint=rendezvous.fingerprint(),
                                         request=job.header()).header())
        with pytest.raises(frames.Closed):
            frames.recv(conn, 10)
    assert "refused a client without the secret" in terminal.log()


def test_the_switches_keep_the_check_in_process_and_start_no_server(terminal):
    for run in (terminal.nnkit(*SOLVED, "--no-server"), terminal.nnkit(*SOLVED, NNKIT_CHECK_SERVER="off")):
        assert run.returncode == 0 and "All selected checks pass." in run.stdout
    assert not (terminal.folder / "server").exists()
    assert terminal.nnkit("server", "start", NNKIT_CHECK_SERVER="off").returncode == 1


def test_an_idle_server_exits_by_itself(terminal):
    assert terminal.nnkit("server", "start", NNKIT_CHECK_SERVER_IDLE="2").returncode == 0, terminal.log()
    pid = address(terminal)["pid"]
    wait_until(lambda: not alive(pid), 60, "the idle server to exit")
    assert "idle for 2 s: exiting" in terminal.log() and not address_file(terminal).exists()


SLOW = '''

def mse(y_hat, y):  # a check that runs for {seconds} seconds, and says which process runs it
    import os, time
    with open({pid_file!r}, "w") as out:
        out.write(str(os.getpid()))
    time.sleep({seconds})
'''


def slow_folder(folder: Path, pid_file: Path, seconds: float = 600) -> Path:
    """A solved course whose 05_losses.mse sleeps `seconds` and then fails (it returns None)."""
    folder.mkdir()
    (folder / "05_losses.py").write_text((ROOT / "solutions" / "05_losses.py").read_text()
                                         + SLOW.format(pid_file=str(pid_file), seconds=seconds))
    return folder


def slow_check(box: Terminal, folder: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nnkit", "check", "05_losses.mse", "--path", str(folder)],
                            env=box.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def connected(pid: int, port: int) -> bool:
    """Whether process `pid` holds an established TCP connection to `port` on the loopback (Linux)."""
    sockets = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with suppress(OSError):
            sockets.add(os.readlink(fd))
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote_port, state, inode = int(fields[2].split(":")[1], 16), fields[3], fields[9]
        if remote_port == port and state == "01" and f"socket:[{inode}]" in sockets:
            return True
    return False


def running_pid(pid_file: Path) -> int:
    wait_until(lambda: pid_file.is_file() and pid_file.read_text(), 60, "the slow check to start")
    return int(pid_file.read_text())


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl_c", "killed"])
def test_a_client_that_goes_away_takes_its_check_with_it(terminal, tmp_path, how):
    pid_file = tmp_path / "running.pid"
    slow = slow_folder(tmp_path / "slow", pid_file)
    assert terminal.nnkit("server", "start").returncode == 0, terminal.log()
    client = slow_check(terminal, slow)
    running = running_pid(pid_file)
    client.send_signal(how)
    out, err = client.communicate(timeout=30)
    if how == signal.SIGINT:
        assert client.returncode == 130 and "Traceback" not in out + err, out + err
    else:
        assert client.returncode == -signal.SIGKILL, out + err  # killed: it printed nothing of its own
    wait_until(lambda: not alive(running), 30, "the slow check to end")
    wait_until(lambda: "the client went away: ending its job" in terminal.log(), 30, "the server to log it")
    before = served(terminal)
    after = terminal.nnkit(*SOLVED)
    assert after.returncode == 0 and after.stdout == solved_output(terminal)
    assert served(terminal) == before + 1, terminal.log()


def test_a_queued_client_that_goes_away_leaves_the_running_check_alone(terminal, tmp_path):
    first_pid, queued_pid = tmp_path / "first.pid", tmp_path / "queued.pid"
    first_folder = slow_folder(tmp_path / "first", first_pid, seconds=8)
    queued_folder = slow_folder(tmp_path / "queued", queued_pid)
    assert terminal.nnkit("server", "start").returncode == 0, terminal.log()
    first = slow_check(terminal, first_folder)
    running = running_pid(first_pid)
    queued = slow_check(terminal, queued_folder)
    wait_until(lambda: connected(queued.pid, address(terminal)["port"]), 30, "the queued client to connect")
    time.sleep(1)  # the handshake and its job, a few messages on the loopback
    queued.kill()
    queued.communicate(timeout=30)
    wait_until(lambda: "went away" in terminal.log() or not alive(running), 30, "the server to see it")
    assert alive(running) and "a client waiting for its turn went away" in terminal.log(), terminal.log()
    out, err = first.communicate(timeout=60)
    assert first.returncode == 1 and "05_losses.mse" in out, out + err
    assert "ended before it answered" not in out, out
    assert served(terminal) == 1 and "the client went away: ending" not in terminal.log(), terminal.log()
    assert not queued_pid.exists()  # its turn came after it left: dropped, never run


def test_stopping_the_server_finishes_the_check_in_flight(terminal, tmp_path):
    pid_file = tmp_path / "running.pid"
    slow = slow_folder(tmp_path / "slow", pid_file, seconds=5)
    assert terminal.nnkit("server", "start").returncode == 0, terminal.log()
    server = address(terminal)["pid"]
    client = slow_check(terminal, slow)
    running_pid(pid_file)
    stop = terminal.nnkit("server", "stop")
    assert stop.returncode == 0 and stop.stdout.startswith("Stopped the check server"), stop.stdout
    out, err = client.communicate(timeout=60)
    assert client.returncode == 1 and "05_losses.mse" in out, out + err
    assert "ended before it answered" not in out, out
    assert served(terminal) == 1 and "finishing 1 job(s) in flight" in terminal.log(), terminal.log()
    wait_until(lambda: not alive(server), 30, "the server to exit once its check is done")

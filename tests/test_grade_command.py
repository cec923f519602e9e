"""`nnkit grade`'s own guard rails, without workers: one odd entry never stops the batch."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from nnkit.course import layout
from nnkit.grade import command, staging
from nnkit.grade.sandbox import links, uids


def test_an_entry_that_breaks_staging_becomes_that_students_problem(tmp_path: Path, monkeypatch):
    def breaks(student: str, entry: Path, dest: Path) -> staging.Staged:
        dest.mkdir(parents=True)
        (dest / "01_matrices.py").write_text("half")
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(staging, "stage", breaks)
    staged = command.stage_safely("ann", tmp_path / "ann.zip", tmp_path / "staged" / "ann")
    assert staged.files == {}
    assert [p.kind for p in staged.problems] == ["unreadable"]
    assert "ann.zip could not be staged (RecursionError" in staged.problems[0].message
    assert "Hand in" in staged.problems[0].message
    assert not (tmp_path / "staged" / "ann").exists(), "a half-staged folder must not be graded"


def test_a_class_folder_that_does_not_exist_is_a_clear_message_and_exit_status_2(tmp_path: Path, capsys):
    assert command.run(tmp_path / "nowhere", tmp_path / "out") == 2
    printed = " ".join(capsys.readouterr().out.split())
    assert "nowhere is not a folder of submissions: give the folder that holds one folder" in printed
    assert not (tmp_path / "out").exists()


def test_grading_without_hidden_tests_says_where_it_looked_and_what_to_pass(tmp_path: Path, capsys):
    (tmp_path / "class" / "ann").mkdir(parents=True)
    assert command.run(tmp_path / "class", tmp_path / "out", course=tmp_path / "empty") == 2
    printed = " ".join(capsys.readouterr().out.split())
    assert f"No hidden tests in {tmp_path / 'empty' / 'autograder'}" in printed and "--course DIR" in printed
    assert not (tmp_path / "out").exists()


def test_an_installed_kit_finds_its_folders_from_anywhere_below_the_course_folder(tmp_path, monkeypatch):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "info.toml").write_text("")
    (tmp_path / "class" / "ann").mkdir(parents=True)
    monkeypatch.setattr(layout, "PACKAGE", tmp_path / "site-packages" / "nnkit")
    monkeypatch.chdir(tmp_path / "class" / "ann")
    assert layout.course_root() == tmp_path


def test_two_batches_on_one_machine_never_share_a_worker_uid():
    first = uids.claim(3, root=True)
    try:
        second = uids.claim(3, root=True)
        try:
            assert len(first.uids) == len(second.uids) == 3
            assert not set(first.uids) & set(second.uids)
            assert all(uids.FIRST <= uid < uids.FIRST + uids.COUNT for uid in first.uids + second.uids)
        finally:
            second.release()
    finally:
        first.release()


def test_a_released_uid_is_free_again_and_a_full_range_is_a_clear_error():
    everything = uids.claim(uids.COUNT, root=True)
    try:
        with pytest.raises(uids.NoFreeUid, match="none of the 32 worker uids"):
            uids.claim(1, root=True)
    finally:
        everything.release()
    again = uids.claim(1, root=True)
    again.release()
    assert again.uids and again.uids[0] in everything.uids


def test_the_claimed_uids_read_as_ranges_and_without_root_as_the_graders_own():
    assert uids.Claim([65500, 65501, 65502, 65510]).describe() == "65500-65502, 65510"
    assert uids.claim(2, root=False).describe().endswith("(the grader's own)")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run a process as another uid")
def test_a_uid_that_a_process_outside_the_grader_uses_is_never_claimed():
    probe = uids.claim(1, root=True)
    probe.release()
    (busy,) = probe.uids
    stranger = subprocess.Popen(["sleep", "60"], user=busy, group=busy)
    try:
        deadline = time.monotonic() + 10
        while not uids.taken(busy) and time.monotonic() < deadline:
            time.sleep(0.05)
        claim = uids.claim(2, root=True)
        claim.release()
        assert busy not in claim.uids
    finally:
        stranger.kill()
        stranger.wait()


def test_a_uid_that_names_an_account_is_never_claimed(monkeypatch):
    import pwd

    account = uids.FIRST + 3
    real = pwd.getpwuid
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: real(0) if uid == account else real(uid))
    claim = uids.claim(uids.COUNT, root=True)
    claim.release()
    assert account not in claim.uids and claim.uids


def test_scratch_folders_of_killed_graders_are_removed_and_live_ones_kept(tmp_path):
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = tmp_path / f"{links.SCRATCH_PREFIX}{gone.pid}-abc"
    live = tmp_path / f"{links.SCRATCH_PREFIX}{os.getpid()}-def"
    other = tmp_path / "nnkit-grade-notapid-x"
    for folder in (dead, live, other):
        (folder / "nnkit-1").mkdir(parents=True)
    links.remove_orphaned_scratch(tmp_path)
    assert not dead.exists() and live.exists() and other.exists()


def test_a_batch_with_nothing_left_to_grade_claims_no_uid():
    assert uids.Claim([]).describe() == "none (nothing left to grade)"

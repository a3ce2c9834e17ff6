"""Atomic writes: the old file or the new one, never half a file, never a stray temporary."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from compiler.write import FAULT_ENVIRONMENT, LOCK_FILE, Faults, build_lock, write_atomic


def test_writes_the_bytes(tmp_path: Path) -> None:
    target = tmp_path / "7C2F80CA21E4.xml"
    write_atomic(target, b"<?xml?>\xe4\n")
    assert target.read_bytes() == b"<?xml?>\xe4\n"


def test_writes_empty(tmp_path: Path) -> None:
    target = tmp_path / "empty"
    write_atomic(target, b"")
    assert target.read_bytes() == b""


def test_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.write_bytes(b"old content that is longer than the new one")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"


def test_creates_parent_directories(tmp_path: Path) -> None:
    target = tmp_path / "build" / "acme-hq" / "state.json"
    write_atomic(target, b"{}")
    assert target.read_bytes() == b"{}"


def test_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.xml"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xml"]


def test_sets_mode_0644(tmp_path: Path) -> None:
    target = tmp_path / "out.xml"
    old_umask = os.umask(0o077)
    try:
        write_atomic(target, b"x")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_failed_replace_leaves_no_temporary_and_the_old_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.xml"
    target.write_bytes(b"old")

    def refuse(source: str, destination: str) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk on fire"):
        write_atomic(target, b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xml"]
    assert target.read_bytes() == b"old"


def test_failed_first_write_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "sub" / "out.xml"

    def refuse(source: str, destination: str) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk on fire"):
        write_atomic(target, b"new")
    assert list((tmp_path / "sub").iterdir()) == []


# The fault-injection hook and the build lock


def test_faults_are_inert_without_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FAULT_ENVIRONMENT, raising=False)
    faults = Faults.from_environment()
    for _ in range(3):
        faults.reach("write")
        faults.reach("rename")
    assert faults == Faults("", "", 1, {})


def test_fault_raises_the_named_errno_at_the_given_count(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAULT_ENVIRONMENT, "ENOSPC:write:2")
    faults = Faults.from_environment()
    faults.reach("rename")
    faults.reach("write")
    with pytest.raises(OSError) as raised:
        faults.reach("write")
    assert raised.value.errno == errno.ENOSPC
    faults.reach("write")  # only the second one fails


def test_fault_during_write_leaves_the_old_file(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.xml"
    target.write_bytes(b"old")
    monkeypatch.setenv(FAULT_ENVIRONMENT, "EROFS:rename:1")
    with pytest.raises(OSError) as raised:
        write_atomic(target, b"new", Faults.from_environment())
    assert raised.value.errno == errno.EROFS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xml"]
    assert target.read_bytes() == b"old"


def test_the_lock_is_exclusive(tmp_path: Path) -> None:
    with build_lock(tmp_path, wait=False) as first:
        assert first is True
        with build_lock(tmp_path, wait=False) as second:
            assert second is False
    with build_lock(tmp_path, wait=False) as again:
        assert again is True
    assert (tmp_path / LOCK_FILE).is_file()

"""`dockwise fix` and `dockwise format` keep what the user owns (issue 12, item 8).

The file is rewritten in place: same inode, owner and mode, and a hard-linked
name sees the new text. A file whose permission bits allow no write (0444) is
refused — as root too — with a message naming it, a non-zero exit status and
the file unchanged. CI runs as root, where the system would let any write
through, so the unprivileged cases run the CLI as ``nobody`` through
``setpriv`` (or directly when the tests already run unprivileged).
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from dockwise.cli.main import main

UNFIXED = "FROM alpine:3.20\nMAINTAINER someone\n"  # DL4000 has a safe fix
UNFORMATTED = "from alpine:3.20\nrun   echo hi\n"


def _as_nobody_argv() -> list[str] | None:
    """A prefix that runs a command as an unprivileged user, or None when we
    are unprivileged already."""
    if not hasattr(os, "getuid") or os.getuid() != 0:
        return None
    setpriv = shutil.which("setpriv")
    if setpriv:
        return [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "nobody", "--"]
    pytest.skip("running as root without setpriv or runuser: cannot test as an unprivileged user")


def run_cli(args: list[str], *, unprivileged: bool = False) -> subprocess.CompletedProcess:
    prefix = _as_nobody_argv() if unprivileged else None
    cmd = [*(prefix or []), sys.executable, "-m", "dockwise", *args]
    env = {**os.environ, "DOCKWISE_OFFLINE": "1", "HOME": "/nonexistent"}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, cwd="/")


@pytest.fixture
def shared_dir():
    """A folder the unprivileged user can reach (pytest's tmp_path sits in a
    0700 folder when the tests run as root)."""
    import tempfile

    top = Path(tempfile.mkdtemp(prefix="dockwise-write-"))
    top.chmod(0o755)
    d = top / "work"
    d.mkdir()
    d.chmod(0o755)
    try:
        yield d
    finally:
        d.chmod(0o755)
        shutil.rmtree(top, ignore_errors=True)


def _give_to_nobody(*paths: Path) -> None:
    if hasattr(os, "getuid") and os.getuid() == 0:
        for p in paths:
            os.chown(p, 65534, 65534)


@pytest.mark.parametrize("cmd,text", [("fix", UNFIXED), ("format", UNFORMATTED)])
def test_rewritten_in_place_keeping_inode_mode_and_links(tmp_path, cmd, text):
    f = tmp_path / "Dockerfile"
    f.write_text(text)
    f.chmod(0o640)
    link = tmp_path / "Dockerfile.link"
    os.link(f, link)
    before = f.stat()
    assert main([cmd, "--no-config", str(f)] if cmd == "fix" else [cmd, str(f)]) == 0
    after = f.stat()
    assert f.read_text() != text
    assert (after.st_ino, after.st_dev) == (before.st_ino, before.st_dev)
    assert stat.S_IMODE(after.st_mode) == 0o640 and after.st_uid == before.st_uid
    assert link.read_text() == f.read_text()  # the other name sees the new text
    assert after.st_nlink == 2
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


@pytest.mark.parametrize("cmd,text", [("fix", UNFIXED), ("format", UNFORMATTED)])
def test_read_only_file_is_refused_even_as_root(tmp_path, capsys, cmd, text):
    f = tmp_path / "Dockerfile"
    f.write_text(text)
    f.chmod(0o444)
    status = main([cmd, "--no-config", str(f)] if cmd == "fix" else [cmd, str(f)])
    err = capsys.readouterr().err
    assert status != 0
    assert str(f) in err and "read-only" in err
    assert f.read_text() == text and stat.S_IMODE(f.stat().st_mode) == 0o444


def test_lint_fix_refuses_a_read_only_file(tmp_path, capsys):
    f = tmp_path / "Dockerfile"
    f.write_text(UNFIXED)
    f.chmod(0o444)
    status = main(["lint", "--fix", "--no-config", str(f)])
    assert status != 0 and str(f) in capsys.readouterr().err
    assert f.read_text() == UNFIXED


@pytest.mark.parametrize("cmd,text", [("fix", UNFIXED), ("format", UNFORMATTED)])
def test_unprivileged_read_only_file_in_a_read_only_folder(shared_dir, cmd, text):
    f = shared_dir / "Dockerfile"
    f.write_text(text)
    _give_to_nobody(f)
    f.chmod(0o444)
    shared_dir.chmod(0o555)  # nobody may not create or rename anything here either
    try:
        out = run_cli([cmd, str(f)] if cmd == "format" else [cmd, "--no-config", str(f)], unprivileged=True)
    finally:
        shared_dir.chmod(0o755)
    assert out.returncode != 0, out
    assert str(f) in out.stderr and "cannot write" in out.stderr, out.stderr
    assert f.read_text() == text


@pytest.mark.parametrize("cmd,text", [("fix", UNFIXED), ("format", UNFORMATTED)])
def test_unprivileged_own_writable_file_in_a_read_only_folder_is_fixed_in_place(shared_dir, cmd, text):
    """In place needs no write access to the folder (a rename would)."""
    f = shared_dir / "Dockerfile"
    f.write_text(text)
    _give_to_nobody(f)
    f.chmod(0o644)
    ino = f.stat().st_ino
    shared_dir.chmod(0o555)
    try:
        out = run_cli([cmd, str(f)] if cmd == "format" else [cmd, "--no-config", str(f)], unprivileged=True)
    finally:
        shared_dir.chmod(0o755)
    assert out.returncode == 0, out.stderr
    assert f.read_text() != text and f.stat().st_ino == ino


def test_unprivileged_user_cannot_rewrite_someone_elses_file(shared_dir):
    if not hasattr(os, "getuid") or os.getuid() != 0:
        pytest.skip("needs root to create a file owned by another user")
    f = shared_dir / "Dockerfile"
    f.write_text(UNFORMATTED)
    f.chmod(0o644)  # root's file, readable by nobody, not writable
    out = run_cli(["format", str(f)], unprivileged=True)
    assert out.returncode != 0 and f"{f}: cannot write" in out.stderr, out.stderr
    assert f.read_text() == UNFORMATTED


def test_fifo_or_device_is_never_written(tmp_path, capsys):
    from dockwise.atomic import NotRegularFile, write_in_place

    fifo = tmp_path / "Dockerfile"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFile):
        write_in_place(fifo, b"x")
    with pytest.raises(NotRegularFile):
        write_in_place("/dev/null", b"x")

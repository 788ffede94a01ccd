"""What a test needs from the machine, and what happens when it is missing.

On a developer machine a missing tool or data set skips the test with the
reason printed (``-rs`` lists every skip). In CI (the ``CI`` environment
variable is set, as ``.ci/run`` does) the same absence FAILS the test with a
message naming what is missing: CI must never go green by skipping.

``as_unprivileged`` runs a check as an unprivileged user when the tests run as
root (CI does), instead of skipping it.
"""
from __future__ import annotations

import contextlib
import io
import os
import pickle
import select
import signal
import time
import traceback
from typing import Any, Callable, NoReturn

import pytest

CI = bool(os.environ.get("CI"))
NOBODY = 65534  # Debian's `nobody`/`nogroup`; a uid needs no account to be denied access


def missing(what: str, reason: str) -> NoReturn:
    """``what`` (a tool, package or data set the suite needs) is not there."""
    if CI:
        pytest.fail(f"CI requires {what}, which is missing: {reason}", pytrace=False)
    print(f"skipped: {reason}")
    pytest.skip(reason)


def as_unprivileged(fn: Callable[[], Any], uid: int = NOBODY, timeout: float = 60.0) -> tuple[Any, str, str]:
    """Run ``fn()`` in a forked child that has dropped to ``uid`` (when running
    as root; otherwise in a child as the current user) and return
    (its result, what it wrote to stdout, to stderr). An exception in the child
    is re-raised here as an AssertionError with the child's traceback.

    A fork, not ``setpriv``/``runuser`` + a new interpreter: the interpreter
    and its standard library may live where that user cannot read (pyenv under
    /root, mode 700); the forked child already has everything loaded."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        status = 0
        try:
            if os.geteuid() == 0:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                res = fn()
            payload = pickle.dumps(("ok", res, out.getvalue(), err.getvalue()))
        except BaseException:
            payload = pickle.dumps(("error", traceback.format_exc(), "", ""))
            status = 1
        try:
            with os.fdopen(w, "wb") as f:
                f.write(payload)
        finally:
            os._exit(status)
    os.close(w)
    chunks = []
    deadline = time.monotonic() + timeout
    with os.fdopen(r, "rb", buffering=0) as f:
        while True:  # until the child closes its end (it exits right after)
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([f], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise AssertionError(f"the unprivileged check did not finish in {timeout} s")
            chunk = f.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
    os.waitpid(pid, 0)
    data = b"".join(chunks)
    kind, res, out, err = pickle.loads(data)
    if kind == "error":
        raise AssertionError(f"the unprivileged check raised:\n{res}")
    return res, out, err

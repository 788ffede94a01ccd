"""dockwise in a real Emacs with eglot, configured with docs/editors/emacs.md's snippet.

The snippet between ``<!-- emacs:begin/end -->`` is the user's init (``emacs
--batch -q``: Debian's site-lisp activates the installed ELPA packages, eglot
and dockerfile-mode, as a normal start-up would); ``emacs_e2e.el`` then opens a
Dockerfile and does what a user does and writes what it saw as JSON. ``dockwise``
on PATH is a shim for ``sys.executable -m dockwise``. One Emacs run for all the
tests (module fixture): the e2e budget stays small.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DOC = ROOT / "docs" / "editors" / "emacs.md"
EMACS = shutil.which("emacs")
TIMEOUT_S = 120

MAINTAINER = "MAINTAINER Zoë Doe <zoe@example.com>"
DOCKERFILE = f"FROM python:3.12\n{MAINTAINER}\nRUN apt-get update && apt-get install -y curl\nRUN echo done\n"

@pytest.fixture(autouse=True, scope="module")
def _needs_emacs():
    if EMACS is None:
        from need import missing

        missing("emacs", "emacs not installed (scripts/install-system-deps installs it)")


def snippet() -> str:
    m = re.search(r"<!-- emacs:begin -->\n```elisp\n(.*?)```\n<!-- emacs:end -->", DOC.read_text(encoding="utf-8"), re.S)
    assert m, f"{DOC} has no ```elisp block between <!-- emacs:begin/end -->"
    return m.group(1)


@pytest.fixture(scope="module")
def emacs(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("emacs")
    ws = tmp / "ws"
    ws.mkdir()
    (ws / ".git").mkdir()  # a project root for eglot
    (ws / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "dockwise"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m dockwise "$@"\n')
    shim.chmod(0o755)
    init = tmp / "init.el"
    init.write_text(snippet(), encoding="utf-8")
    out = tmp / "result.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMACS", "XDG_"))}
    env.update(HOME=str(tmp / "home"), PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
               DOCKWISE_E2E_FILE=str(ws / "Dockerfile"), DOCKWISE_E2E_OUT=str(out), DOCKWISE_E2E_WAIT_MS="20000",
               DOCKWISE_OFFLINE="1", HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9", NO_PROXY="")
    (tmp / "home").mkdir()
    try:
        proc = subprocess.run(
            [str(EMACS), "--batch", "-q", "--eval", "(when (fboundp 'package-initialize) (package-initialize))",
             "-l", str(init), "-l", str(HERE / "emacs_e2e.el")],
            cwd=ws, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"Emacs did not finish within {TIMEOUT_S} s:\n{exc.stdout}\n{exc.stderr}")
    if not out.exists():
        pytest.fail(f"Emacs wrote no result (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    result = json.loads(out.read_text(encoding="utf-8"))
    result["_log"] = proc.stdout[-4000:] + proc.stderr[-4000:]
    print(json.dumps(result, ensure_ascii=False, indent=1))  # shown when a test fails
    assert not result.get("lisp_error"), result
    return result


def test_snippet_attaches_dockwise_through_eglot(emacs):
    assert emacs.get("major_mode") == "dockerfile-mode", emacs["_log"]
    assert emacs.get("connected") and emacs.get("server_name") == "dockwise", emacs["_log"]


def test_diagnostics_with_the_snippets_settings(emacs):
    assert emacs.get("settings_applied"), f"DL4000 shown and DL3008 ignored never happened: {emacs}"
    diags = {d[0]: d[1:] for d in emacs["diagnostics"]}
    assert len(diags) == len(emacs["diagnostics"])
    # the MAINTAINER line, whole; columns in characters (ë is one)
    assert diags["DL4000"] == [1, 0, 1, len(MAINTAINER)], emacs["diagnostics"]
    assert "DL3008" not in diags and "DL3006" not in diags  # python:3.12 is tagged


def test_hover_shows_the_image(emacs):
    assert "python" in (emacs.get("hover") or ""), emacs


def test_quick_fix_and_diagnostics_after_the_edit(emacs):
    assert any("LABEL" in t for t in emacs.get("actions", [])), emacs.get("actions")
    assert emacs.get("line_after_fix") == 'LABEL maintainer="Zoë Doe <zoe@example.com>"', emacs
    assert emacs.get("update_ok"), emacs
    assert "DL4000" not in [d[0] for d in emacs["diagnostics_after_fix"]]


def test_server_shuts_down_cleanly(emacs):
    assert emacs.get("shutdown_answered"), emacs
    assert emacs.get("server_exit") == ["exit", 0], emacs

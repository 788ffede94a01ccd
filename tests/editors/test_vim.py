"""dockwise in a real Vim: ALE configured with docs/editors/vim.md's snippet
(Debian's vim-ale), run end to end; and the vim-lsp snippet run in the same Vim
against a recording ``lsp#register_server`` (vim-lsp is not packaged), whose
command and settings then drive the real server."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mini_client import MiniClient, server_cmd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PAGE = ROOT / "docs" / "editors" / "vim.md"
VIM = shutil.which("vim")
ALE_PACK = Path("/usr/share/vim/vimfiles/pack/dist-bundle/opt/ale")
TIMEOUT_S = 90
DOCKERFILE = "FROM ubuntu:22.04\nMAINTAINER Zoë <z@example.com>\nRUN apt-get install -y curl\n"

@pytest.fixture(autouse=True, scope="module")
def _needs_vim():
    if VIM is None:
        from need import missing

        missing("vim", "vim not installed (scripts/install-system-deps installs it)")


def snippet(marker: str) -> str:
    m = re.search(rf"<!-- {marker}:begin -->\n```vim\n(.*?)```\n<!-- {marker}:end -->", PAGE.read_text("utf-8"), re.S)
    assert m, f"{PAGE} has no ```vim block between <!-- {marker}:begin/end -->"
    return m.group(1)


def run_vim(tmp: Path, vimrc: Path, script: str, env_extra: dict[str, str]) -> dict:
    out = tmp / "result.json"
    bin_dir = tmp / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "dockwise"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m dockwise "$@"\n')
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIM", "MYVIMRC"))}
    env.update(HOME=str(tmp), PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", DOCKWISE_E2E_OUT=str(out),
               DOCKWISE_OFFLINE="1", **env_extra)
    try:
        p = subprocess.run([str(VIM), "-N", "-u", str(vimrc), "-i", "NONE", "-n", "-es", "-S", str(HERE / script)],
                           cwd=tmp, env=env, capture_output=True, text=True, timeout=TIMEOUT_S,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"Vim did not finish within {TIMEOUT_S} s: {exc.stdout} {exc.stderr}")
    assert out.exists(), f"Vim wrote no result (exit {p.returncode}): {p.stdout} {p.stderr}"
    result = json.loads(out.read_text("utf-8"))
    assert not result.get("vim_error"), result
    return result


def test_ale_snippet_end_to_end(tmp_path):
    if not ALE_PACK.is_dir():
        print(f"ALE not installed at {ALE_PACK} (Debian's vim-ale; scripts/install-system-deps installs it)")
        from need import missing

        missing("vim-ale", "vim-ale not installed (scripts/install-system-deps installs it)")
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    vimrc = tmp_path / "vimrc"
    vimrc.write_text("set nocompatible\nfiletype plugin on\nset encoding=utf-8\n" + snippet("vim-ale"), "utf-8")
    r = run_vim(tmp_path, vimrc, "vim_ale_e2e.vim",
                {"DOCKWISE_E2E_FILE": str(tmp_path / "ws" / "Dockerfile"), "DOCKWISE_E2E_WAIT_MS": "20000"})
    assert r["filetype"] == "dockerfile"
    assert r.get("settings_applied"), r
    by = {i["code"]: i for i in r["items"]}
    assert all(i["linter"] == "dockwise" for i in r["items"])
    # the whole MAINTAINER line; ALE (3.3) takes the LSP end character (UTF-16, the
    # encoding it negotiates) as its inclusive end column without converting it to bytes
    line = DOCKERFILE.splitlines()[1]
    assert (by["DL4000"]["lnum"], by["DL4000"]["col"], by["DL4000"]["type"]) == (2, 1, "E"), by["DL4000"]
    assert by["DL4000"]["end_col"] == len(line.encode("utf-16-le")) // 2, by["DL4000"]
    assert "DL3008" not in by


def test_vim_lsp_snippet_registers_what_the_server_needs(tmp_path):
    vimrc = tmp_path / "vimrc"
    vimrc.write_text(f"set nocompatible\nset runtimepath^={HERE / 'vim_stub'}\n", "utf-8")
    (tmp_path / "snippet.vim").write_text(snippet("vim-lsp"), "utf-8")
    r = run_vim(tmp_path, vimrc, "vim_lsp_register.vim", {"DOCKWISE_SNIPPET": str(tmp_path / "snippet.vim")})
    reg = r.get("registered") or {}
    assert reg.get("name") == "dockwise" and reg.get("allowlist") == ["dockerfile"], r
    assert r.get("cmd") == ["dockwise", "serve"], r
    settings = reg["workspace_config"]
    # the real server, as vim-lsp drives it: didChangeConfiguration with workspace_config,
    # workspace/configuration answered from it
    (tmp_path / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    c = MiniClient(server_cmd(), cwd=str(tmp_path), env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                                          "DOCKWISE_OFFLINE": "1"})
    try:
        c.request("initialize", {"processId": None, "rootUri": tmp_path.as_uri(),
                                 "capabilities": {"workspace": {"configuration": True}}})
        assert c.pump(lambda m: m.get("id") == 1 and "result" in m)
        c.notify("initialized", {})
        c.notify("workspace/didChangeConfiguration", {"settings": settings})
        uri = (tmp_path / "Dockerfile").as_uri()
        c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1,
                                                            "text": DOCKERFILE}})
        codes = c.pump(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                       and (cs := sorted(d["code"] for d in m["params"]["diagnostics"]))
                       and "DL4000" in cs and "DL3008" not in cs and cs,
                       answer_config=lambda item: settings.get(item.get("section") or "", settings))
    finally:
        assert c.close() == 0
    assert codes and "DL3008" not in codes, codes

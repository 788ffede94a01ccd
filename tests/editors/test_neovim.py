"""dockwise in a real headless Neovim, configured with docs/editors/neovim.md's snippet.

The Neovim 0.7 snippet between ``<!-- nvim-0.7:begin/end -->`` in that file is
the user's whole init (``nvim --headless --clean -u``, XDG directories in a temp
dir); ``nvim_e2e.lua`` then opens a Dockerfile and does what a user does
(diagnostics, hover, quick fix, diagnostics after the edit) and writes what it
saw as JSON. ``dockwise`` on PATH is a shim for ``sys.executable -m dockwise``.
The other snippets there (Neovim 0.8+, 0.11+, nvim-lspconfig) cannot run in
0.7; ``nvim_snippets.lua`` compiles them and runs them against stubs of the
newer APIs to check the configuration they pass.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from need import missing

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PAGE = ROOT / "docs" / "editors" / "neovim.md"  # the Neovim set-up page (the README links it)
NVIM = shutil.which("nvim")
TIMEOUT_S = 120  # whole Neovim run; every wait inside is bounded by WAIT_MS
WAIT_MS = 20000

MAINTAINER = "MAINTAINER Zoë Doe <zoe@example.com>"  # non-ASCII: positions must be converted right
DOCKERFILE = f"""FROM python:3.12
{MAINTAINER}
RUN apt-get update
RUN apt-get install -y curl
WORKDIR /app
COPY . .
CMD ["python", "app.py"]
"""
FIXED_LINE = 'LABEL maintainer="Zoë Doe <zoe@example.com>"'



@pytest.fixture(autouse=True, scope="module")
def _needs_nvim():
    if NVIM is None:
        missing("neovim", "nvim not installed (scripts/install-system-deps installs it)")


def editors_region() -> str:
    return PAGE.read_text(encoding="utf-8")


def readme_snippets() -> dict[str, str]:
    """The page's Neovim Lua snippets by kind."""
    region = editors_region()
    m = re.search(r"<!-- nvim-0.7:begin -->\n```lua\n(.*?)```\n<!-- nvim-0.7:end -->", region, re.S)
    assert m, f"{PAGE} has no ```lua block between <!-- nvim-0.7:begin/end -->"
    out = {"nvim-0.7": m.group(1)}
    for block in re.findall(r"```lua\n(.*?)```", region, re.S):
        kind = (
            "nvim-0.7" if "vim.lsp.start_client" in block
            else "lspconfig" if "lspconfig" in block
            else "nvim-0.11" if "vim.lsp.config(" in block
            else "nvim-0.8" if "vim.lsp.start(" in block
            else None
        )
        assert kind and (kind == "nvim-0.7" or kind not in out), f"unexpected Lua block in {PAGE}:\n{block}"
        out[kind] = block
    return out


def nvim_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NVIM", "VIM", "XDG_"))}
    for name in ("CONFIG", "DATA", "STATE", "CACHE", "RUNTIME"):
        d = tmp / "xdg" / name.lower()
        d.mkdir(parents=True, exist_ok=True)
        env[f"XDG_{name}_HOME" if name != "RUNTIME" else "XDG_RUNTIME_DIR"] = str(d)
    env["HOME"] = str(tmp / "home")
    # no network: image sizes from the shipped table; a stray request fails fast on a dead port
    env.update(DOCKWISE_OFFLINE="1", HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9",
               ALL_PROXY="http://127.0.0.1:9", NO_PROXY="")
    return env


@dataclass
class Run:
    result: dict
    proc: subprocess.CompletedProcess
    lsp_log: Path | None

    def why(self) -> str:
        """Neovim's messages, its exit status and output, and the LSP log's tail."""
        log = ""
        if self.lsp_log and self.lsp_log.exists():
            log = "\n".join(line[:2000] for line in self.lsp_log.read_text(errors="replace").splitlines()[-150:])
        summary = {k: v for k, v in self.result.items() if k not in ("messages", "publishes")}
        return (
            f"\n--- nvim exit {self.proc.returncode}; result:\n{json.dumps(summary, indent=1, ensure_ascii=False)[:6000]}"
            f"\n--- publishes: {self.result.get('publishes')}"
            f"\n--- :messages\n{self.result.get('messages', '')}"
            f"\n--- nvim stdout/stderr\n{self.proc.stdout[-3000:]}\n{self.proc.stderr[-3000:]}"
            f"\n--- LSP log (last 150 lines) {self.lsp_log}\n{log}"
        )


def luafile(name: str) -> str:
    return "luafile " + re.sub(r"([ \\|\"])", r"\\\1", str(HERE / name))


def run_nvim(tmp: Path, args: list[str], out: Path, env: dict[str, str]) -> tuple[dict, subprocess.CompletedProcess]:
    assert NVIM is not None, "_needs_nvim skips without Neovim"
    try:
        proc = subprocess.run([NVIM, "--headless", "--clean", *args], cwd=tmp / "ws", env=env, text=True,
                              capture_output=True, stdin=subprocess.DEVNULL, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"Neovim did not finish within {TIMEOUT_S} s:\n{exc.stdout}\n{exc.stderr}")
    if not out.exists():
        pytest.fail(f"Neovim wrote no result (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return json.loads(out.read_text(encoding="utf-8")), proc


@pytest.fixture(scope="module")
def nvim(tmp_path_factory) -> Run:
    tmp = tmp_path_factory.mktemp("nvim")
    (tmp / "ws").mkdir()
    dockerfile = tmp / "ws" / "Dockerfile"
    dockerfile.write_text(DOCKERFILE, encoding="utf-8")
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "dockwise"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m dockwise "$@"\n')
    shim.chmod(0o755)
    init = tmp / "init.lua"
    init.write_text(readme_snippets()["nvim-0.7"], encoding="utf-8")
    out = tmp / "result.json"
    env = nvim_env(tmp)
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", DOCKWISE_E2E_FILE=str(dockerfile),
               DOCKWISE_E2E_OUT=str(out), DOCKWISE_E2E_WAIT_MS=str(WAIT_MS))
    result, proc = run_nvim(tmp, ["-u", str(init), "-c", luafile("nvim_e2e.lua")], out, env)
    run = Run(result, proc, Path(result["lsp_log"]) if result.get("lsp_log") else None)
    print(run.why())  # shown by pytest when a test fails
    assert proc.returncode == 0 and not result.get("lua_error"), run.why()
    return run


def by_code(diags: list[dict], code: str) -> list[dict]:
    return [d for d in diags if d.get("code") == code]


def test_readme_snippet_attaches_dockwise(nvim):
    r = nvim.result
    assert r.get("filetype") == "dockerfile", nvim.why()
    assert r.get("client", {}).get("name") == "dockwise", "the page's FileType autocmd attached no client" + nvim.why()


def test_diagnostics_arrive_with_positions(nvim):
    diags = nvim.result.get("diagnostics") or []
    assert by_code(diags, "DL4000"), nvim.why()
    [dl4000] = by_code(diags, "DL4000")
    # Neovim stores byte columns: the whole MAINTAINER line, ë being 2 bytes
    assert (dl4000["lnum"], dl4000["col"], dl4000["end_lnum"], dl4000["end_col"]) == (
        1, 0, 1, len(MAINTAINER.encode())), nvim.why()
    assert dl4000["severity"] == 1 and dl4000["source"] == "dockwise", dl4000
    [dl3059] = by_code(diags, "DL3059")
    assert (dl3059["lnum"], dl3059["col"], dl3059["end_col"]) == (3, 0, 3), dl3059


def test_readme_settings_reach_the_server(nvim):
    """The snippet's ``settings = { dockwise = { ignore = { "DL3008" } } }`` takes effect."""
    from dockwise.lint.engine import lint_text

    assert any(v.code == "DL3008" for v in lint_text(DOCKERFILE).violations), "fixture must trigger DL3008"
    assert nvim.result.get("diagnostics_wait_ok"), "DL4000 shown and DL3008 ignored never happened" + nvim.why()
    assert not by_code(nvim.result["diagnostics"], "DL3008")


def test_hover_on_base_image_shows_its_size(nvim):
    hover = nvim.result.get("hover") or {}
    assert not hover.get("err") and not hover.get("timeout"), nvim.why()
    res = hover.get("result")
    assert isinstance(res, dict) and res.get("contents"), "hover on `python:3.12` returned nothing" + nvim.why()
    contents = res["contents"]
    assert isinstance(contents, dict) and contents.get("kind") == "markdown", contents
    text = contents["value"]
    assert "python" in text, text
    # the same size as the DW001 diagnostic on that line (e.g. "410.9 MB"), maybe rounded
    [dw001] = by_code(nvim.result["diagnostics"], "DW001")
    m = re.search(r"is ([\d.]+) MB", dw001["message"])
    assert m, dw001["message"]
    expected = float(m.group(1))
    sizes = [float(x) for x in re.findall(r"(\d+(?:\.\d+)?)\s*MB\b", text)]
    assert any(abs(s - expected) <= max(0.6, expected * 0.01) for s in sizes), (expected, text)


def test_code_action_applies_the_maintainer_fix(nvim):
    r = nvim.result
    assert not r.get("code_action_error"), nvim.why()
    assert r.get("chosen_action"), f"no MAINTAINER quick fix among {r.get('actions')}" + nvim.why()
    assert not r.get("resolve_error"), nvim.why()
    expected = DOCKERFILE.splitlines()
    expected[1] = FIXED_LINE
    assert r.get("lines_after_fix") == expected, nvim.why()


def test_diagnostics_update_after_the_edit(nvim):
    r = nvim.result
    assert r.get("lines_after_fix"), "no edit was applied (see the code action test)"
    assert r.get("update_wait_ok"), "no publish for the edited version without DL4000" + nvim.why()
    assert r["publishes"][-1]["version"] == r["version_after_fix"]
    after = r["diagnostics_after_fix"]
    assert not by_code(after, "DL4000")
    assert [(d["lnum"], d["col"]) for d in by_code(after, "DL3059")] == [(3, 0)], after


def test_server_shuts_down_cleanly(nvim):
    assert nvim.result.get("client_stopped"), nvim.why()
    assert nvim.result["server_exit"] == {"code": 0, "signal": 0}, nvim.why()


def test_server_writes_nothing_to_stderr(nvim):
    """Neovim logs every line a server writes to stderr as an ERROR ("rpc" … "stderr");
    dockwise serve logs through window/logMessage instead."""
    assert nvim.lsp_log is not None and nvim.lsp_log.exists(), nvim.why()
    log = nvim.lsp_log.read_text(encoding="utf-8", errors="replace")
    assert '"rpc.send"' in log and '"window/logMessage"' in log, "not the log of this session" + nvim.why()
    stderr_lines = [line for line in log.splitlines() if '"stderr"' in line]
    assert stderr_lines == [], "\n".join(stderr_lines[:10])


def test_readme_snippets_compile_and_pass_the_documented_config(tmp_path):
    snippets = readme_snippets()
    assert set(snippets) == {"nvim-0.7", "nvim-0.8", "nvim-0.11", "lspconfig"}, sorted(snippets)
    files = []
    for kind, text in snippets.items():
        p = tmp_path / f"{kind}.lua"
        p.write_text(text, encoding="utf-8")
        files.append({"kind": kind, "path": str(p)})
    (tmp_path / "ws").mkdir()
    out = tmp_path / "snippets.json"
    env = nvim_env(tmp_path)
    env.update(DOCKWISE_SNIPPETS=json.dumps(files), DOCKWISE_SNIPPETS_OUT=str(out))
    result, proc = run_nvim(tmp_path, ["-u", "NONE", "-c", luafile("nvim_snippets.lua")], out, env)
    got = {e["kind"]: e for e in result}
    for kind, e in got.items():
        assert e["compiles"], f"{kind}: {e.get('compile_error')}"
        assert not (e.get("seen") or {}).get("error"), f"{kind}: {e['seen']['error']}"
    want = {"dockwise": {"ignore": ["DL3008"]}}

    start = got["nvim-0.8"]["seen"].get("start")
    assert start, "the 0.8 snippet's FileType autocmd did not call vim.lsp.start"
    assert (start["name"], start["cmd"], start["root_dir"], start["settings"]) == (
        "dockwise", ["dockwise", "serve"], "/ws", want), start
    assert got["nvim-0.8"]["seen"]["find"]["opts"] == {"upward": True, "path": "/ws/sub"}

    seen = got["nvim-0.11"]["seen"]
    cfg = seen["config"]["cfg"]
    assert seen["config"]["name"] == "dockwise" and seen["enable"] == "dockwise", seen
    assert (cfg["cmd"], cfg["filetypes"], cfg["settings"]) == (["dockwise", "serve"], ["dockerfile"], want), cfg
    assert ".git" in cfg["root_markers"]

    seen = got["lspconfig"]["seen"]
    default = seen["lspconfig"]["default_config"]
    assert (default["cmd"], default["filetypes"], default["root_dir"]) == (
        ["dockwise", "serve"], ["dockerfile"], "<function>"), default
    assert seen["setup"]["name"] == "dockwise" and seen["setup"]["opts"]["settings"] == want, seen

"""The Helix, Zed and Sublime Text set-ups in docs/editors/, verified: each
snippet is read the way its editor reads it, and the real server, started with
the command it names, gets the settings the way that editor sends them
(initialization options, didChangeConfiguration, answers to
workspace/configuration) and applies them. (These editors are not packaged for
the test machines; Neovim, Emacs and Vim are run for real in their own tests.)"""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from mini_client import MiniClient, server_cmd

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "editors"
DOCKERFILE = "FROM ubuntu:22.04\nMAINTAINER me\nRUN apt-get install -y curl\n"


def snippet(page: str, marker: str, lang: str) -> str:
    text = (DOCS / page).read_text(encoding="utf-8")
    m = re.search(rf"<!-- {marker}:begin -->\n```{lang}\n(.*?)```\n<!-- {marker}:end -->", text, re.S)
    assert m, f"docs/editors/{page} has no ```{lang} block between <!-- {marker}:begin/end -->"
    return m.group(1)


def lookup(root: Any, section: str | None) -> Any:
    """How these editors answer a workspace/configuration item: the section's
    dotted path looked up in their settings object."""
    node = root
    for part in (section or "").split("."):
        if not part:
            continue
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def served_codes(tmp_path: Path, *, init_options: Any, settings: Any, did_change: bool,
                 control: bool = False) -> tuple[list[str], list]:
    """Start the real server as the editor would, open a Dockerfile, and return
    the codes of the first publish where the settings show (DL3008 ignored), or
    of the last one seen when that never happens; plus the configuration requests."""
    from dockwise.lint.engine import lint_text

    assert {"DL3008", "DL4000"} <= {v.code for v in lint_text(DOCKERFILE).violations}
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DOCKWISE_OFFLINE": "1"}
    c = MiniClient(server_cmd(), cwd=str(tmp_path), env=env)
    seen: list[list[str]] = []
    try:
        c.request("initialize", {
            "processId": None, "rootUri": tmp_path.as_uri(),
            "capabilities": {"workspace": {"configuration": True, "didChangeConfiguration": {}},
                             "textDocument": {"publishDiagnostics": {}}},
            "initializationOptions": init_options,
        })
        assert c.pump(lambda m: m.get("id") == 1 and "result" in m), "no initialize result"
        c.notify("initialized", {})
        if did_change:
            c.notify("workspace/didChangeConfiguration", {"settings": settings})
        uri = (tmp_path / "Dockerfile").as_uri()
        c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1,
                                                            "text": DOCKERFILE}})

        def done(m: dict) -> bool:
            if m.get("method") != "textDocument/publishDiagnostics" or m["params"]["uri"] != uri:
                return False
            codes = sorted(d.get("code") for d in m["params"]["diagnostics"])
            seen.append(codes)
            if control:  # the first publish after the configuration was answered
                return bool(c.config_requests) and "DL4000" in codes
            return "DL4000" in codes and "DL3008" not in codes

        c.pump(done, answer_config=lambda item: lookup(settings, item.get("section")))
    finally:
        assert c.close() == 0
    return (seen[-1] if seen else []), c.config_requests


def test_helix_languages_toml(tmp_path):
    data = tomllib.loads(snippet("helix.md", "helix", "toml"))
    [lang] = [x for x in data["language"] if x["name"] == "dockerfile"]
    assert lang["language-servers"][0] == "dockwise"
    server = data["language-server"]["dockwise"]
    assert (server["command"], server["args"]) == ("dockwise", ["serve"])
    # Helix: `config` is the initialization options and the answer to workspace/configuration
    codes, _ = served_codes(tmp_path, init_options=server["config"], settings=server["config"], did_change=False)
    assert "DL4000" in codes and "DL3008" not in codes, codes


def test_zed_settings_and_extension(tmp_path):
    settings = json.loads(snippet("zed.md", "zed", "json"))
    assert settings["languages"]["Dockerfile"]["language_servers"][0] == "dockwise"
    lsp = settings["lsp"]["dockwise"]
    ext = tomllib.loads((ROOT / "editors" / "zed" / "extension.toml").read_text())
    assert ext["id"] == "dockwise" and ext["schema_version"] == 1
    assert ext["language_servers"]["dockwise"]["languages"] == ["Dockerfile"]
    src = (ROOT / "editors" / "zed" / "src" / "lib.rs").read_text()
    for needed in ('worktree.which("dockwise")', 'vec!["serve".to_string()]', "fn language_server_command",
                   "fn language_server_initialization_options", "fn language_server_workspace_configuration",
                   "LspSettings::for_worktree", "zed::register_extension!(Dockwise)"):
        assert needed in src, needed
    cargo = tomllib.loads((ROOT / "editors" / "zed" / "Cargo.toml").read_text())
    assert cargo["lib"]["crate-type"] == ["cdylib"] and "zed_extension_api" in cargo["dependencies"]
    # Zed: the extension passes lsp.dockwise.settings as the workspace configuration
    # (answers and didChangeConfiguration); no initialization options in this snippet
    codes, asked = served_codes(tmp_path, init_options=lsp.get("initialization_options"), settings=lsp["settings"],
                                did_change=True)
    assert "DL4000" in codes and "DL3008" not in codes, codes


def test_sublime_lsp_client(tmp_path):
    data = json.loads(snippet("sublime.md", "sublime", "json"))
    client = data["clients"]["dockwise"]
    assert client["enabled"] is True and client["command"] == ["dockwise", "serve"]
    assert "source.dockerfile" in client["selector"]
    codes, _ = served_codes(tmp_path, init_options=client.get("initializationOptions"), settings=client["settings"],
                            did_change=True)
    assert "DL4000" in codes and "DL3008" not in codes, codes


def test_settings_payloads_reach_the_server_only_through_the_section(tmp_path):
    """Control: a settings object without the `dockwise` section changes nothing
    (so the tests above show the snippets' settings, not a default)."""
    codes, asked = served_codes(tmp_path, init_options=None, settings={"other": {"ignore": ["DL3008"]}},
                                did_change=False, control=True)
    assert "DL3008" in codes
    assert asked and all(i.get("section") == "dockwise" for req in asked for i in req["items"])

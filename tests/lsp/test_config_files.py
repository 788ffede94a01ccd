"""Configuration files in the language server: found from the workspace folder
(or a lone document's own directory), merged under the LSP settings, problems
shown on the file (when open) or once as a showMessage, re-read on
didChangeWatchedFiles (registered only for clients that support dynamic
registration) or on open/save.

Each test starts its own server with HOME pointing at an empty directory, so
the user's own hadolint configuration cannot leak in. Only the codes in
``PICK`` are compared, so rules added later do not change these tests.
"""
from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsp_helpers import (
    DockwiseClient,
    PERSONAS,
    TIMEOUT,
    end_session,
    make_client,
    publishes,
    pull_items,
    round_trip,
    server_command,
    wait_until,
)
from lsprotocol import types
from pytest_lsp import ClientServerConfig

DOC = "FROM ubuntu\nMAINTAINER x\n"  # DL3006 (warning), DL4000 (error)
PICK = {"DL3006", "DL4000", "DL3059"}


def server_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HADOLINT_")}
    env["HOME"] = str(home)
    env.pop("XDG_CONFIG_HOME", None)
    return env


class ConfigClient(DockwiseClient):
    """The test client with its workspace folder and the registrations the server asked for."""

    root: Path  # set by the ``lsp`` fixture

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.registrations: list[types.RegistrationParams] = []


@pytest_asyncio.fixture
async def lsp(tmp_path):
    """A started, not yet initialised server; ``client.root`` is a fresh directory."""
    home = tmp_path / "home"
    home.mkdir()
    config = ClientServerConfig(server_command=server_command(), client_factory=lambda: make_client(ConfigClient),
                                server_env=server_env(home))
    client = await config.start()
    assert isinstance(client, ConfigClient)
    client.root = tmp_path / "ws"
    client.root.mkdir()

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(ls: ConfigClient, params: types.RegistrationParams):
        ls.registrations.append(params)
        return None

    yield client
    await end_session(client)
    await client.stop()


async def start(client: ConfigClient, persona: str, folders: list[Path] | None = None, init_options=None):
    client.persona = PERSONAS[persona]
    root: Path = client.root
    folders = [root] if folders is None else folders
    await asyncio.wait_for(
        client.initialize_session(
            types.InitializeParams(
                capabilities=PERSONAS[persona].capabilities(),
                root_uri=folders[0].as_uri() if folders else None,
                workspace_folders=[types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in folders] or None,
                initialization_options={"debounceMs": 0, **(init_options or {})},
                client_info=types.ClientInfo(name=f"pytest-lsp/{persona}"),
            )
        ),
        TIMEOUT,
    )


def write(p: Path, text: str) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def picked(diags) -> list[str]:
    return sorted(d.code for d in diags if d.code in PICK)


async def current(client: DockwiseClient, uri: str) -> list[str]:
    """The document's picked codes as this persona receives them now."""
    if client.persona.pulls:
        return picked(await pull_items(client, uri))
    pubs = await wait_until(lambda: publishes(client, uri), what=f"publish for {uri}")
    return picked(pubs[-1].diagnostics)


async def eventually(client: DockwiseClient, uri: str, want: list[str]) -> None:
    """Until the document's picked codes are ``want`` (pull clients pull again)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    got = None
    while loop.time() < deadline:
        if client.persona.pulls:
            got = picked(await pull_items(client, uri))
        else:
            pubs = publishes(client, uri)
            got = picked(pubs[-1].diagnostics) if pubs else None
        if got == want:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{uri}: wanted {want}, last saw {got}")


def open_file(client: DockwiseClient, path: Path, text: str | None = None, language: str = "dockerfile") -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id=language, version=1, text=path.read_text() if text is None else text)))
    return uri


# -- the configuration applies ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["vscode", "nvim-0.7", "nvim-0.11", "vscode-pl"])
async def test_workspace_hadolint_yaml_applies(lsp: ConfigClient, persona: str):
    root: Path = lsp.root
    write(root / ".hadolint.yaml", "ignored: [DL4000]\n")
    await start(lsp, persona)
    uri = open_file(lsp, write(root / "app" / "Dockerfile", DOC))
    assert await current(lsp, uri) == ["DL3006"]
    assert lsp.messages == []


async def test_pyproject_and_lsp_settings_layer_on_top(lsp: ConfigClient):
    root: Path = lsp.root
    write(root / "pyproject.toml", '[tool.dockwise]\nignore = ["DL4000", "DL3006"]\n[tool.dockwise.severity]\n'
                                   'DL3059 = "error"\n')
    # the editor re-enables DL4000 by name; its broad select does not bring back DL3006
    await start(lsp, "nvim-0.7", init_options={"select": ["DL"], "extendSelect": ["maintainer-deprecated"]})
    uri = open_file(lsp, write(root / "Dockerfile", DOC + "RUN a\nRUN b\n"))
    pubs = await wait_until(lambda: publishes(lsp, uri), what="publish")
    got = {d.code: d.severity for d in pubs[-1].diagnostics if d.code in PICK}
    assert got == {"DL4000": types.DiagnosticSeverity.Error, "DL3059": types.DiagnosticSeverity.Error}


async def test_lone_document_uses_its_own_directory_never_a_parent(lsp: ConfigClient):
    root: Path = lsp.root
    write(root / ".hadolint.yaml", "ignored: [DL3006]\n")  # a parent: must not apply
    write(root / "a" / "dockwise.toml", 'ignore = ["DL4000"]\n')
    await start(lsp, "nvim-0.7", folders=[])
    uri = open_file(lsp, write(root / "a" / "Dockerfile", DOC))
    assert await current(lsp, uri) == ["DL3006"]
    other = open_file(lsp, write(root / "b" / "Dockerfile", DOC))
    assert await current(lsp, other) == ["DL3006", "DL4000"]


async def test_innermost_workspace_folder_wins(lsp: ConfigClient):
    root: Path = lsp.root
    write(root / ".hadolint.yaml", "ignored: [DL3006]\n")
    write(root / "svc" / ".hadolint.yaml", "ignored: [DL4000]\n")
    await start(lsp, "vscode", folders=[root, root / "svc"])
    outer = open_file(lsp, write(root / "x" / "Dockerfile", DOC))
    inner = open_file(lsp, write(root / "svc" / "deep" / "Dockerfile", DOC))
    assert await current(lsp, outer) == ["DL4000"]
    assert await current(lsp, inner) == ["DL3006"]


async def test_home_config_is_found(lsp: ConfigClient, tmp_path: Path):
    write(tmp_path / "home" / ".config" / "hadolint.yaml", "ignored: [DL4000]\n")
    await start(lsp, "nvim-0.7")
    uri = open_file(lsp, write(lsp.root / "Dockerfile", DOC))
    assert await current(lsp, uri) == ["DL3006"]


# -- problems ---------------------------------------------------------------------------------------


BAD = "ignored: [DL4000]\nignore: [DL3006]\nstrict-labels: true\n"


@pytest.mark.parametrize("persona", ["vscode", "nvim-0.11"])
async def test_problems_without_the_file_open_show_one_message(lsp: ConfigClient, persona: str):
    root: Path = lsp.root
    write(root / ".hadolint.yaml", BAD)
    await start(lsp, persona)
    one = open_file(lsp, write(root / "a" / "Dockerfile", DOC))
    two = open_file(lsp, write(root / "b" / "Dockerfile", DOC))
    assert await current(lsp, one) == ["DL3006"]  # the rest of the file still applies
    assert await current(lsp, two) == ["DL3006"]
    await wait_until(lambda: lsp.messages, what="window/showMessage")
    await round_trip(lsp)  # a second message would have come before these answers
    (msg,) = lsp.messages
    assert msg.type == types.MessageType.Warning
    path = str(root / ".hadolint.yaml")
    assert f"{path}:2: unknown key 'ignore' (did you mean 'ignored'?)" in msg.message
    logs = [m.message for m in lsp.log_messages]
    assert any(f"{path}:2: unknown key 'ignore'" in m for m in logs)
    assert any(f"{path}:3: 'strict-labels' is on but no 'label-schema' is set" in m for m in logs)


@pytest.mark.parametrize("persona", ["vscode", "nvim-0.11"])
async def test_problems_are_diagnostics_on_the_open_config_file(lsp: ConfigClient, persona: str):
    root: Path = lsp.root
    cfg = write(root / ".hadolint.yaml", BAD)
    await start(lsp, persona)
    cfg_uri = open_file(lsp, cfg, language="yaml")
    doc = open_file(lsp, write(root / "Dockerfile", DOC))
    assert await current(lsp, doc) == ["DL3006"]
    if lsp.persona.pulls:
        diags = await pull_items(lsp, cfg_uri)
    else:
        pubs = await wait_until(lambda: [p for p in publishes(lsp, cfg_uri) if p.diagnostics],
                                what="config diagnostics")
        diags = pubs[-1].diagnostics
    got = [(d.range.start.line, d.range.start.character, d.range.end.character, d.severity, d.code, d.message)
           for d in diags]
    assert got == [
        (1, 0, 16, types.DiagnosticSeverity.Warning, "ignore",
         "unknown key 'ignore' (did you mean 'ignored'?); ignored"),
        (2, 0, 19, types.DiagnosticSeverity.Information, "strict-labels",
         "'strict-labels' is on but no 'label-schema' is set: every LABEL is reported as superfluous (DL3050)"),
    ]
    await round_trip(lsp)
    assert lsp.messages == []  # shown on the file instead of a pop-up


async def test_invalid_yaml_is_one_problem_and_nothing_else_breaks(lsp: ConfigClient):
    root: Path = lsp.root
    write(root / ".hadolint.yaml", "ignored: [DL4000\n")
    write(root / "dockwise.toml", 'ignore = ["DL3006"]\n')
    await start(lsp, "nvim-0.7")
    uri = open_file(lsp, write(root / "Dockerfile", DOC))
    assert await current(lsp, uri) == ["DL4000"]  # dockwise.toml still applies
    await wait_until(lambda: lsp.messages, what="window/showMessage")
    assert f"{root / '.hadolint.yaml'}:2: invalid YAML" in lsp.messages[0].message


async def test_info_only_problems_make_no_pop_up(lsp: ConfigClient):
    root: Path = lsp.root
    write(root / ".hadolint.yaml", "strict-labels: true\n")
    await start(lsp, "nvim-0.7")
    uri = open_file(lsp, write(root / "Dockerfile", DOC))
    await current(lsp, uri)
    await wait_until(lambda: any("no 'label-schema' is set" in m.message for m in lsp.log_messages),
                     what="log line")
    assert lsp.messages == []


# -- re-reading --------------------------------------------------------------------------------------


async def test_watched_files_registered_and_reloaded(lsp: ConfigClient):
    """VS Code supports dynamic registration: the server registers watchers for
    the configuration files once one is in use, and re-lints on a change."""
    root: Path = lsp.root
    cfg = write(root / ".hadolint.yaml", "ignored: [DL4000]\n")
    await start(lsp, "vscode")
    uri = open_file(lsp, write(root / "Dockerfile", DOC))
    assert await current(lsp, uri) == ["DL3006"]
    await wait_until(lambda: lsp.registrations, what="client/registerCapability")
    (reg,) = lsp.registrations[0].registrations
    assert reg.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    opts = reg.register_options  # arrives as plain JSON
    assert opts is not None, "watched-files registration without options"
    watchers = opts["watchers"] if isinstance(opts, dict) else opts.watchers
    globs = [w["globPattern"] if isinstance(w, dict) else w.glob_pattern for w in watchers]
    assert "**/.hadolint.{yaml,yml}" in globs and "**/dockwise.toml" in globs and "**/pyproject.toml" in globs

    cfg.write_text("ignored: [DL4000, DL3006]\n")
    lsp.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=cfg.as_uri(), type=types.FileChangeType.Changed)]))
    await eventually(lsp, uri, [])
    cfg.unlink()
    lsp.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=cfg.as_uri(), type=types.FileChangeType.Deleted)]))
    await eventually(lsp, uri, ["DL3006", "DL4000"])


async def test_no_registration_without_config_files(lsp: ConfigClient):
    await start(lsp, "vscode")
    uri = open_file(lsp, write(lsp.root / "Dockerfile", DOC))
    await current(lsp, uri)
    await round_trip(lsp)  # a registration would have been asked for before these answers
    assert lsp.registrations == []


@pytest.mark.parametrize("persona", ["nvim-0.7", "nvim-0.11"])
async def test_without_dynamic_registration_reread_on_save(lsp: ConfigClient, persona: str):
    root: Path = lsp.root
    cfg = write(root / ".hadolint.yaml", "ignored: [DL4000]\n")
    await start(lsp, persona)
    uri = open_file(lsp, write(root / "Dockerfile", DOC))
    assert await current(lsp, uri) == ["DL3006"]
    cfg.write_text("ignored: [DL3006]\n# longer now, so the size changes\n")
    lsp.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    await eventually(lsp, uri, ["DL4000"])
    assert lsp.registrations == []


async def test_new_config_file_noticed_when_a_document_opens(lsp: ConfigClient):
    root: Path = lsp.root
    await start(lsp, "nvim-0.7")
    first = open_file(lsp, write(root / "Dockerfile", DOC))
    assert await current(lsp, first) == ["DL3006", "DL4000"]
    write(root / "dockwise.toml", 'ignore = ["DL3006"]\n')
    second = open_file(lsp, write(root / "Dockerfile.dev", DOC))
    assert await current(lsp, second) == ["DL4000"]
    await eventually(lsp, first, ["DL4000"])  # the open document is re-linted too


async def test_workspace_folder_added(lsp: ConfigClient):
    root: Path = lsp.root
    write(root / "svc" / ".hadolint.yaml", "ignored: [DL4000]\n")
    await start(lsp, "vscode", folders=[root / "other"])
    uri = open_file(lsp, write(root / "svc" / "api" / "Dockerfile", DOC))
    assert await current(lsp, uri) == ["DL3006", "DL4000"]  # lone document: its own directory only
    lsp.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(
            added=[types.WorkspaceFolder(uri=(root / "svc").as_uri(), name="svc")], removed=[])))
    await eventually(lsp, uri, ["DL3006"])

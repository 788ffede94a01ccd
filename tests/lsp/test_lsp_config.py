"""Settings from initializationOptions, didChangeConfiguration and
workspace/configuration; diagnostic modes; debounce.

Each test gets a fresh server (function scope): settings are per session.
"""
from __future__ import annotations

import asyncio

import pytest
import pytest_lsp
from lsp_helpers import (
    DockwiseClient,
    PERSONAS,
    PULL_PERSONAS,
    PUSH_PERSONAS,
    change_doc,
    client_config,
    codes,
    diagnostics_now,
    end_session,
    new_uri,
    open_doc,
    publishes,
    full,
    pull,
    rng,
    round_trip,
    start_session,
    wait_publish,
    wait_until,
)
from lsprotocol import types


DOC = "FROM ubuntu\nMAINTAINER x\n"


@pytest_lsp.fixture(config=client_config())
async def fresh(lsp_client: DockwiseClient):
    """A started but not yet initialised server; the test initialises it."""
    yield
    await end_session(lsp_client)


def did_change_configuration(client: DockwiseClient, settings) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=settings))


async def latest_codes(client: DockwiseClient, uri: str, want: list[str]) -> list[str]:
    """Wait until the latest publish for ``uri`` has exactly ``want``."""

    def ok():
        pubs = publishes(client, uri)
        return pubs and codes(pubs[-1].diagnostics) == want

    await wait_until(ok, what=f"diagnostics {want} for {uri}")
    return want


@pytest.mark.parametrize(
    "persona,wrapped",
    [(p, False) for p in PUSH_PERSONAS + PULL_PERSONAS] + [("nvim-0.7", True), ("vscode-pl", True)],
    ids=lambda v: {False: "flat", True: "wrapped"}.get(v, v) if isinstance(v, bool) else v,
)
async def test_initialization_options_ignore(fresh: DockwiseClient, persona: str, wrapped: bool):
    opts = {"debounceMs": 0, "ignore": ["DL3006"]}
    await start_session(fresh, PERSONAS[persona], {"dockwise": opts} if wrapped else opts)
    uri = new_uri()
    open_doc(fresh, uri, DOC)
    assert codes(await diagnostics_now(fresh, uri)) == ["DL4000"]


@pytest.mark.parametrize("persona", ["vscode", "nvim-0.7"])
async def test_did_change_configuration_republishes(fresh: DockwiseClient, persona: str):
    await start_session(fresh, PERSONAS[persona])
    uri = new_uri()
    open_doc(fresh, uri, DOC)
    assert codes((await wait_publish(fresh, uri, 1)).diagnostics) == ["DL3006", "DL4000"]

    did_change_configuration(fresh, {"dockwise": {"ignore": ["DL3006"]}})
    await latest_codes(fresh, uri, ["DL4000"])
    assert publishes(fresh, uri)[-1].version == 1

    did_change_configuration(fresh, {"ignore": ["untagged-image", "DL4000"]})  # flat, by name
    await latest_codes(fresh, uri, [])

    did_change_configuration(fresh, {"dockwise": {}})  # back to defaults
    await latest_codes(fresh, uri, ["DL3006", "DL4000"])

    # other extensions' sections are ignored; the server keeps answering
    n = len(publishes(fresh, uri))
    did_change_configuration(fresh, {"python": {"analysis": 1}})
    assert (await pull(fresh, uri)).kind == "full"
    assert len(publishes(fresh, uri)) == n


async def test_workspace_configuration(fresh: DockwiseClient):
    """VS Code advertises workspace/configuration: the server asks on
    `initialized` and again after a didChangeConfiguration without payload."""
    fresh.set_configuration({"ignore": ["DL3006"]}, section="dockwise")
    await start_session(fresh, PERSONAS["vscode"])
    uri = new_uri()
    open_doc(fresh, uri, DOC)
    await latest_codes(fresh, uri, ["DL4000"])

    fresh.set_configuration({"ignore": ["DL4000"]}, section="dockwise")
    did_change_configuration(fresh, None)
    await latest_codes(fresh, uri, ["DL3006"])


async def test_no_configuration_request_without_capability(fresh: DockwiseClient):
    """Neovim 0.7 does not advertise workspace/configuration: never ask
    (pytest-lsp turns such a request into an LspSpecificationWarning error)."""
    fresh.set_configuration({"ignore": ["DL3006"]}, section="dockwise")
    await start_session(fresh, PERSONAS["nvim-0.7"])
    uri = new_uri()
    open_doc(fresh, uri, DOC)
    assert codes((await wait_publish(fresh, uri, 1)).diagnostics) == ["DL3006", "DL4000"]
    did_change_configuration(fresh, None)
    await pull(fresh, uri)  # round trip
    await round_trip(fresh)  # a republish would have come before these answers
    assert codes(publishes(fresh, uri)[-1].diagnostics) == ["DL3006", "DL4000"]
    assert fresh.error is None


async def test_pull_refresh_after_settings_change(fresh: DockwiseClient):
    await start_session(fresh, PERSONAS["vscode-pl"])
    uri = new_uri()
    open_doc(fresh, uri, DOC)
    first = full(await pull(fresh, uri))
    assert codes(first.items) == ["DL3006", "DL4000"]
    did_change_configuration(fresh, {"dockwise": {"ignore": ["DL3006"]}})
    await wait_until(lambda: fresh.diagnostic_refresh_count == 1, what="workspace/diagnostic/refresh")
    second = full(await pull(fresh, uri, previous_result_id=first.result_id))
    assert second.kind == "full"
    assert codes(second.items) == ["DL4000"]
    assert fresh.published == []


async def test_no_refresh_without_capability(fresh: DockwiseClient):
    await start_session(fresh, PERSONAS["nvim-0.11"])
    uri = new_uri()
    open_doc(fresh, uri, DOC)
    first = await pull(fresh, uri)
    did_change_configuration(fresh, {"dockwise": {"ignore": ["DL3006"]}})
    second = full(await pull(fresh, uri, previous_result_id=first.result_id))
    assert second.kind == "full" and codes(second.items) == ["DL4000"]
    assert fresh.diagnostic_refresh_count == 0
    assert fresh.published == []


async def test_forced_pull_mode(fresh: DockwiseClient):
    await start_session(fresh, PERSONAS["vscode"], {"debounceMs": 0, "diagnosticMode": "pull"})
    uri = new_uri()
    open_doc(fresh, uri, DOC)
    report = full(await pull(fresh, uri))
    assert codes(report.items) == ["DL3006", "DL4000"]
    await round_trip(fresh)  # a push would have come before these answers
    assert fresh.published == []


async def test_forced_push_mode(fresh: DockwiseClient):
    await start_session(fresh, PERSONAS["nvim-0.11"], {"debounceMs": 0, "diagnosticMode": "push"})
    uri = new_uri()
    open_doc(fresh, uri, DOC)
    assert codes((await wait_publish(fresh, uri, 1)).diagnostics) == ["DL3006", "DL4000"]
    report = full(await pull(fresh, uri))
    assert report.kind == "full" and list(report.items) == []


async def test_switch_push_to_pull_at_runtime(fresh: DockwiseClient):
    await start_session(fresh, PERSONAS["vscode"])
    uri = new_uri()
    open_doc(fresh, uri, DOC)
    await wait_publish(fresh, uri, 1)
    did_change_configuration(fresh, {"dockwise": {"diagnosticMode": "pull"}})
    await latest_codes(fresh, uri, [])  # pushed diagnostics are withdrawn
    report = full(await pull(fresh, uri))
    assert codes(report.items) == ["DL3006", "DL4000"]


async def test_severity_override(fresh: DockwiseClient):
    await start_session(
        fresh, PERSONAS["vscode"], {"debounceMs": 0, "severity": {"DL3006": "error", "DL4000": "off"}}
    )
    uri = new_uri()
    open_doc(fresh, uri, DOC)
    (d,) = (await wait_publish(fresh, uri, 1)).diagnostics
    assert d.code == "DL3006" and d.severity == types.DiagnosticSeverity.Error


async def test_invalid_settings_are_lenient(fresh: DockwiseClient):
    bad = {
        "debounceMs": "soon",
        "diagnosticMode": "sometimes",
        "ignore": 5,
        "severity": {"DL3006": "loud"},
        "logLevel": 3,
        "bogus": True,
    }
    await start_session(fresh, PERSONAS["vscode"], bad)
    uri = new_uri()
    open_doc(fresh, uri, DOC)
    # defaults apply: default debounce (0 ms) still delivers, push mode, nothing ignored
    assert codes((await wait_publish(fresh, uri, 1)).diagnostics) == ["DL3006", "DL4000"]
    warnings = [m.message for m in fresh.log_messages if m.type == types.MessageType.Warning]
    for key in ("debounceMs", "diagnosticMode", "ignore", "severity", "logLevel", "bogus"):
        assert any(key in w for w in warnings), (key, warnings)
    assert fresh.messages == []  # no showMessage pop-ups


async def test_debounce_coalesces_changes(fresh: DockwiseClient):
    await start_session(fresh, PERSONAS["vscode"], {"debounceMs": 300})
    uri = new_uri()
    open_doc(fresh, uri, DOC)
    await round_trip(fresh, 1)
    assert [p.version for p in publishes(fresh, uri)] == [1]  # didOpen publishes at once, not debounced
    n = len(publishes(fresh, uri))
    change_doc(fresh, uri, 2, rng(0, 11, 0, 11), ":2")
    change_doc(fresh, uri, 3, rng(0, 13, 0, 13), "2")
    change_doc(fresh, uri, 4, rng(0, 14, 0, 14), ".04")
    pub = await wait_publish(fresh, uri, 4, after=n)
    assert codes(pub.diagnostics) == ["DL4000"]
    # one more change after that publish: its timer is due after every timer the three
    # changes could have left behind, so once it has published, they all have
    change_doc(fresh, uri, 5, rng(0, 0, 0, 0), "# c\n")
    await wait_publish(fresh, uri, 5, after=n)
    assert [p.version for p in publishes(fresh, uri)[n:]] == [4, 5]


async def test_rule_selection_per_workspace_folder(fresh: DockwiseClient, tmp_path):
    """The rule selection is "resource"-scoped in VS Code: the server asks
    workspace/configuration once per workspace folder (scopeUri) and lints each
    folder's documents with that folder's values; the other settings stay the
    window's."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    fresh.set_configuration({"ignore": ["DL3006"]}, section="dockwise")
    fresh.set_configuration({"ignore": ["DL4000"]}, section="dockwise", scope_uri=b.as_uri())
    persona = PERSONAS["vscode"]
    fresh.persona = persona
    await asyncio.wait_for(fresh.initialize_session(types.InitializeParams(
        capabilities=persona.capabilities(),
        initialization_options={"debounceMs": 0},
        workspace_folders=[types.WorkspaceFolder(uri=a.as_uri(), name="a"),
                           types.WorkspaceFolder(uri=b.as_uri(), name="b")],
    )), 30)
    ua, ub = (a / "Dockerfile").as_uri(), (b / "Dockerfile").as_uri()
    open_doc(fresh, ua, DOC)
    open_doc(fresh, ub, DOC)
    await latest_codes(fresh, ua, ["DL4000"])
    await latest_codes(fresh, ub, ["DL3006"])
    # the folder's value changes: its documents follow, the other folder's do not
    fresh.set_configuration({"ignore": []}, section="dockwise", scope_uri=b.as_uri())
    did_change_configuration(fresh, None)
    await latest_codes(fresh, ub, ["DL3006", "DL4000"])
    assert codes(publishes(fresh, ua)[-1].diagnostics) == ["DL4000"]

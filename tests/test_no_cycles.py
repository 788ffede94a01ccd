"""Editing a document leaves no reference cycles behind: each superseded version
(its model, what rules memoised on it, the findings no longer shown) is freed by
reference counting, not by a later garbage collection. A cycle made each
keystroke's version wait for one (10-15 ms, every ~50 keystrokes on a 1,000-line
file) and kept ~10 MiB more alive meanwhile."""
import gc

import pytest

from dockwise.lint.engine import LintCache, LintSettings, lint_model
from dockwise.syntax.parser import parse

STAGE = """FROM ${{BASE}} AS s{k}
ENV A{k}=1
RUN apt-get update \\
    && apt-get install -y curl \\
    && rm -rf /var/lib/apt/lists/*
RUN echo {k}
COPY --from=s0 /x /y{k}
ONBUILD RUN echo hi
WORKDIR /app{k}
RUN pip install -r requirements.txt
maintainer x
"""
DOC = "# syntax=docker/dockerfile:1\n# check=error=true\nARG BASE=debian:12-slim\n" + "".join(
    STAGE.format(k=k) for k in range(12))


@pytest.fixture
def no_collector():
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    yield
    if was:
        gc.enable()


@pytest.mark.parametrize("edit", ["type", "enter", "stage"])
def test_editing_leaves_no_garbage_cycles(edit, no_collector):
    settings = LintSettings.make(select=["ALL"])
    lines = DOC.split("\n")
    at = lines.index("RUN echo 5")
    cache = LintCache()
    model = parse(DOC)
    lint_model(model, settings, cache=cache)
    for v in range(12):
        if edit == "type":
            lines[at] += "x"
        elif edit == "enter":
            lines.insert(at + 1, "")
        else:  # a new stage: the stage structure changes each time
            lines.insert(at + 1, f"FROM alpine AS n{v}")
        model = parse("\n".join(lines), previous=model, discard_previous=True)
        found = lint_model(model, settings, cache=cache)
    assert found  # the edits were linted (findings, memos and all)
    assert gc.collect() == 0, "a superseded version is in a reference cycle"


def test_the_superseded_models_memo_is_dropped():
    model = parse(DOC)
    lint_model(model, LintSettings.make(select=["ALL"]))
    assert model.derived  # rules memoised whole-file facts on it
    parse(DOC + "RUN true\n", previous=model, discard_previous=True)
    assert model.derived == {}
    kept = parse(DOC)
    lint_model(kept)
    parse(DOC + "RUN true\n", previous=kept)  # not discarded: the caller may use it again
    assert kept.derived

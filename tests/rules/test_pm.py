"""Package-manager knowledge (dockwise.rules._pm) read through the command view."""
from __future__ import annotations

import pytest

from dockwise.rules import _pm
from dockwise.syntax.commands import run_view
from dockwise.syntax.parser import parse


def cmd(run: str):
    """The last command of ``RUN <run>``."""
    df = parse("FROM a:1\nRUN " + run + "\n")
    return run_view(df.instructions[1]).commands[-1]


@pytest.mark.parametrize(
    "run,uses",
    [
        ("apt-get install -y x", True), ("sudo apt-get install -y x", True), ("env A=1 apt-get install x", True),
        ("echo x | xargs apt-get install -y", True), ("eatmydata apt-get -y install x", True),
        ("bash -c 'apt-get install -y x'", True), ("apt-get -y upgrade", True), ("apt-cache policy x", True),
        ("apt install x", True), ("apt-get source x", True),
        ("apt-get update", False), ("apt-get clean", False), ("apt-get purge -y x", False),
        ("apt-get --version", False), ("dpkg -i x.deb", False), ("echo apt-get install", False),
    ],
)
def test_uses_apt_lists(run, uses):
    assert _pm.uses_apt_lists(cmd(run)) is uses


@pytest.mark.parametrize(
    "run,removes",
    [
        ("rm -rf /var/lib/apt/lists/*", True), ("rm -r /var/lib/apt/lists", True), ("sudo rm -fr /var/lib/apt", True),
        ('rm -rf "/var/lib/apt/lists/"*', True), ("apt-get distclean", True), ("apt-get dist-clean", True),
        ("rm -f /var/lib/apt/lists/*", False), ("rm -rf /var/lib/apt/lists/partial", False), ("apt-get clean", False),
    ],
)
def test_removes_apt_lists(run, removes):
    assert _pm.removes_apt_lists(cmd(run)) is removes


@pytest.mark.parametrize(
    "run,pip",
    [
        ("pip install x", True), ("pip3 install x", True), ("pip3.12 install x", True),
        ("pip-3 install x", True), ("/usr/local/bin/pip install x", True),
        ("python -m pip install x", True), ("python3 -m pip install x", True),
        ("python3.12 -m pip install x", True), ("python -I -X dev -m pip install x", True),
        ("python -mpip install x", True), ("pip --log /l install x", True), ("sudo pip install x", True),
        ("pipx install x", False), ("pipenv install x", False), ("pip download x", False),
        ("python -m venv install", False), ("python script.py -m pip install", False),
        ("python -c 'x' -m pip install", False),
    ],
)
def test_pip_installs(run, pip):
    assert (_pm.pip_installs(cmd(run)) is not None) is pip


def test_installs_and_their_packages():
    p = _pm.apt_installs(cmd("apt-get -qq -o A=1 -tstable install -y --target-release x a b=1 -- -c"))
    assert p is not None
    assert [w.value for w in p.after_subcommand()] == ["a", "b=1", "-c"]
    assert p.values("o") == ["A=1"] and p.values("t", "target-release") == ["stable", "x"] and p.count("q") == 2
    assert _pm.apt_installs(cmd("apt-get remove install")) is None
    apk = _pm.apk_adds(cmd("apk --root /x add --virtual .d a"))
    assert apk is not None and apk.after_subcommand()[0].value == "a"
    assert _pm.npm_installs(cmd("npm i a")) is None and _pm.npm_installs_any(cmd("npm i a"))
    assert _pm.installed_packages(cmd("sudo yum -y --setopt=x=1 install gcc make")) is not None
    fam, words = _pm.installed_packages(cmd("sudo yum -y --setopt=x=1 install gcc make")) or ("", [])
    assert fam == "rpm" and [w.value for w in words] == ["gcc", "make"]


def test_index_and_cache_predicates():
    assert _pm.updates_index(cmd("sudo apt-get update")) and _pm.updates_index(cmd("zypper ref"))
    assert _pm.uses_index(cmd("env X=1 apk add x")) and not _pm.uses_index(cmd("apk del x"))
    assert _pm.rpm_installs(cmd("sudo dnf -y group install x"), ("dnf",))
    assert _pm.rpm_cleans_all(cmd("dnf clean all"), ("dnf",)) and not _pm.rpm_cleans_all(cmd("dnf clean metadata"), ("dnf",))
    assert _pm.yarn_installs(cmd("yarn")) and not _pm.yarn_installs(cmd("yarn --version"))
    assert _pm.rm_cache(cmd("rm -rf /var/cache/*"), _pm.RPM_CACHE_DIRS)
    assert _pm.is_cleanup(cmd("rm -rf /tmp/* /var/tmp/*"), []) and not _pm.is_cleanup(cmd("rm -rf /app"), [])
    assert _pm.runs_unknown_script(cmd("./install.sh")) and not _pm.runs_unknown_script(cmd("sh -c 'x'"))


def test_apt_lists_needed_later_looks_at_later_runs_and_derived_stages():
    src = ("FROM debian:12 AS base\nRUN apt-get update\nRUN apt-get update && apt-get install -y a\n"
           "FROM base AS two\nRUN sudo apt-get install -y b\nFROM debian:12\nRUN apt-get install -y c\n")
    df = parse(src)
    first = df.instructions[1]
    got = _pm.apt_lists_needed_later(df, first)
    assert got is df.instructions[4]  # the RUN of the stage built FROM base; not the unrelated last stage
    assert _pm.apt_lists_needed_later(df, df.instructions[2]) is df.instructions[4]
    assert _pm.apt_lists_needed_later(df, df.instructions[6]) is None

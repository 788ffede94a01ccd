"""The stage data flow of a Dockerfile, for the fix-safety harness.

:func:`unmet_uses` walks the RUNs of every stage in build order (a stage
starts from the state its ``FROM`` stage ended in; an external base image
starts with nothing) and lists every command that uses something an earlier
step removed or never made:

* the apt lists (``/var/lib/apt/lists``): made by ``apt-get update``, removed
  by ``rm -r`` of the lists or ``apt-get distclean``, used by installs,
  upgrades, ``apt-cache`` …;
* package caches used offline: ``yum``/``dnf -C`` (``--cacheonly``) after
  ``clean all``; ``yarn install --offline`` after ``yarn cache clean``;
  ``npm … --offline`` after ``npm cache clean``;
* files under a folder an ``rm`` deleted (``/tmp/*``, ``/var/cache/…``): a
  later command naming a path below it (a cleanup moved too early). A path a
  command names, or a ``COPY``/``ADD`` destination, counts as made again.

A fix is safe for the build when the uses that are unmet after it are among
those unmet before it: :func:`new_breaks` compares the two. Commands are
matched by stage and argv (flags that fixes insert removed), so moving or
merging RUNs does not hide a use. ``ONBUILD`` triggers run in another build
and are not followed. Everything is read through the command view and
``rules._pm`` (wrappers seen through).
"""
from __future__ import annotations

import posixpath
from collections import Counter

from dockwise.rules import _pm
from dockwise.syntax.commands import Command, run_view
from dockwise.syntax.model import Dockerfile

ADDED_FLAGS = {"-y", "--no-install-recommends", "--no-cache", "--no-cache-dir"}


def _key(c: Command) -> tuple[str, ...]:
    return tuple(a for a in c.argv if a not in ADDED_FLAGS)


def _norm(path: str) -> str | None:
    """An absolute path without glob suffix and trailing slash; None for others."""
    p = path.strip("\"'")
    while p.endswith(("/*", "*")) or (p.endswith("/") and len(p) > 1):
        p = p[:-1]
    if not p.startswith("/") or "$" in p or "`" in p or p == "/":
        return None
    return posixpath.normpath(p)


def _paths(c: Command) -> list[str]:
    out = []
    for w in c.args:
        if not w.static:
            continue
        v = w.value
        if v.startswith("-") and "=" in v:
            v = v.split("=", 1)[1]
        p = _norm(v)
        if p is not None:
            out.append(p)
    return out


class _State:
    __slots__ = ("lists", "rpm", "yarn", "npm", "deleted")

    def __init__(self, other: "_State | None" = None) -> None:
        self.lists = other.lists if other else False
        self.rpm = other.rpm if other else False
        self.yarn = other.yarn if other else False
        self.npm = other.npm if other else False
        self.deleted: set[str] = set(other.deleted) if other else set()


def _step(st: _State, c: Command, stage: int, out: Counter) -> None:
    key = _key(c)
    # -- apt lists
    if _pm.apt_updates(c):
        st.lists = True
    elif _pm.uses_apt_lists(c):
        if not st.lists:
            out[(stage, "apt lists", key)] += 1
    elif _pm.removes_apt_lists(c):
        st.lists = False
    # -- package caches used offline
    if c.name in _pm.RPM:
        if _pm.rpm_cleans_all(c, _pm.RPM):
            st.rpm = False
        elif c.has_flag("C", "cacheonly"):
            if not st.rpm:
                out[(stage, "rpm cache", key)] += 1
        elif c.sub is not None:
            st.rpm = True
    elif _pm.rm_cache(c, _pm.RPM_CACHE_DIRS):
        st.rpm = False
    if _pm.yarn_cache_cleans(c) or _pm.rm_removes(c, _pm.yarn_dir):
        st.yarn = False
    elif _pm.yarn_installs(c):
        if c.has_flag("offline") and not st.yarn:
            out[(stage, "yarn cache", key)] += 1
        st.yarn = True
    if _pm.npm_cache_cleans(c):
        st.npm = False
    elif _pm.npm_installs_any(c):
        if c.has_flag("offline") and not st.npm:
            out[(stage, "npm cache", key)] += 1
        st.npm = True
    # -- files under deleted folders
    if c.name == "rm":
        for p in _paths(c):
            st.deleted.add(p)
        return
    for p in _paths(c):
        for d in st.deleted:
            if p.startswith(d + "/"):
                out[(stage, f"files under {d}", key)] += 1
                break
        _revive(st, p)


def _revive(st: _State, p: str) -> None:
    """``p`` is made again: it and what it holds are no longer deleted."""
    st.deleted = {d for d in st.deleted if not (p == d or p.startswith(d + "/") or d.startswith(p + "/"))}


def unmet_uses(df: Dockerfile) -> Counter:
    """(stage, what, argv) of every command using something not there when it runs."""
    out: Counter = Counter()
    ends: dict[int, _State] = {}
    for s in df.stages:
        st = _State(ends.get(s.parent) if s.parent is not None else None)
        for ins in df.stage_instructions(s):
            if ins.keyword in ("COPY", "ADD") and len(ins.args) >= 2:
                dest = _norm(ins.args[-1].value)
                if dest is not None:
                    _revive(st, dest)
            if ins.keyword != "RUN":
                continue
            for c in run_view(ins).commands:
                _step(st, c, s.index, out)
        ends[s.index] = st
    return out


def new_breaks(before: Dockerfile, after: Dockerfile) -> list[str]:
    """Uses unmet after a fix that were met before it."""
    got = unmet_uses(after) - unmet_uses(before)
    return [f"stage {stage}: `{' '.join(argv)}` uses the {what}, which an earlier fix removed"
            for (stage, what, argv), _ in sorted(got.items())]

"""Shared predicates for rules: commands, package managers, mounts, stages."""
from __future__ import annotations

import posixpath
from typing import Iterator

from dockwise.syntax.model import Dockerfile, Instruction, ShellCommand


def per_command(fn):
    """Memoise ``fn(cmd)`` on the command itself. For facts that depend on the
    command alone: commands are immutable and survive incremental re-parses,
    so every rule and every keystroke after the first gets the cached value."""
    key = f"{fn.__module__}.{fn.__qualname__}"

    def wrapper(cmd):
        memo = cmd.memo
        if memo is None:
            memo = cmd.memo = {}
        try:
            return memo[key]
        except KeyError:
            value = memo[key] = fn(cmd)
            return value

    wrapper.__name__ = fn.__name__
    wrapper.__qualname__ = fn.__qualname__
    wrapper.__doc__ = fn.__doc__
    wrapper.__wrapped__ = fn
    return wrapper


def base_name(cmd: str) -> str:
    """``/usr/bin/apt-get`` → ``apt-get``."""
    return posixpath.basename(cmd) if "/" in cmd else cmd


def commands(ins: Instruction) -> list[ShellCommand]:
    """Simple commands of a RUN (its ONBUILD trigger included); [] when unparsed."""
    eff = ins.effective
    if eff.shell is None:
        return []
    return eff.shell.commands


def words_after_flags(cmd: ShellCommand) -> list[str]:
    """Non-flag arguments of a command."""
    return [w.value for w in cmd.args if not w.value.startswith("-")]


def is_cmd(cmd: ShellCommand, *names: str) -> bool:
    return base_name(cmd.name) in names


def has_subcommand(cmd: ShellCommand, sub: str) -> bool:
    """``apt-get -q update`` has the sub-command ``update`` (first non-flag word)."""
    for w in cmd.args:
        if w.value.startswith("-"):
            continue
        return w.value == sub
    return False


def mounts(ins: Instruction) -> Iterator[dict[str, str]]:
    """``--mount`` flags of a RUN as lower-cased key → value dicts."""
    for v in ins.effective.flag_values("mount"):
        d: dict[str, str] = {}
        for part in v.split(","):
            k, eq, val = part.partition("=")
            d[k.strip().lower()] = val.strip() if eq else "true"
        d.setdefault("type", "bind")
        yield d


def cache_mount_targets(ins: Instruction) -> list[str]:
    out = []
    for m in mounts(ins):
        if m.get("type", "bind").lower() in ("cache", "tmpfs"):
            t = m.get("target") or m.get("dst") or m.get("destination")
            if t:
                out.append(t)
    return out


def used_as_base(df: Dockerfile) -> set[int]:
    """Stages that a later FROM builds on."""
    return {s.parent for s in df.stages if s.parent is not None}


def relevant_stages(df: Dockerfile) -> set[int]:
    """hadolint's "stage matters" rule: the last stage, or a stage used as a base.
    A file without FROM (a fragment) is all one image: its lines (stage -1) matter."""
    out = used_as_base(df)
    if df.stages:
        out.add(len(df.stages) - 1)
    else:
        out.add(-1)
    return out

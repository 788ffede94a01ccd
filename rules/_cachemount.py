""""Use a BuildKit cache mount": rewrite a RUN to keep package caches out of the image.

Instead of downloading into the image and deleting afterwards, a RUN can mount
a cache (``RUN --mount=type=cache,target=…``): the downloads land in BuildKit's
cache, reused by the next build, and never in a layer. Docker's documentation
("Optimize cache usage in builds", "Use cache mounts") shows the targets:

========  =====================================================================
apt       ``/var/cache/apt`` and ``/var/lib/apt``, ``sharing=locked`` (apt locks
          them); the image's ``/etc/apt/apt.conf.d/docker-clean`` (which deletes
          downloaded packages after every install) is removed and
          ``Keep-Downloaded-Packages`` set, in the same RUN
apk       ``/var/cache/apk``; ``--no-cache`` becomes ``--update-cache``
dnf/yum   ``/var/cache/dnf`` (``yum``, ``microdnf``: ``/var/cache/yum``, ``dnf5``:
          ``/var/cache/libdnf5``, ``tdnf``: ``/var/cache/tdnf``), ``sharing=locked``
pip       ``/root/.cache/pip``; ``--no-cache-dir`` is dropped
npm       ``/root/.npm``
yarn      ``/usr/local/share/.cache/yarn`` (yarn 1's cache for root)
go        ``/root/.cache/go-build`` and ``$GOPATH/pkg/mod`` (``/go`` in the golang
          image, else ``/root/go``)
cargo     ``$CARGO_HOME/registry`` and ``$CARGO_HOME/git/db`` (``/usr/local/cargo``
          in the rust image, else ``/root/.cargo``); never ``target/``: the build
          output must stay in the image
========  =====================================================================

The then-pointless cleanup of those caches in the same RUN (``rm -rf
/var/lib/apt/lists/*``, ``apt-get clean``, ``yum clean all``, ``npm cache clean
--force``, ``yarn cache clean``, ``pip cache purge`` …) is dropped. Home-folder
caches (pip, npm, yarn, go, cargo outside the official images) are mounted only
when the RUN runs as root (no ``USER`` other than root before it in the stage
chain). Offered for shell-form RUNs without heredocs or comment lines, whose
cleanup commands are top-level commands of a ``&&`` (or ``;``) chain; the
result is re-parsed and must run the same commands minus the dropped cleanups
(plus apt's two preparation commands), or nothing is offered.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from dockwise.syntax.commands import Command, run_view
from dockwise.syntax.model import Dockerfile, Instruction, Span, Word

from ._api import Edit, Fix
from ._helpers import is_root_user, user_of
from ._pm import (APT, RPM, covers, is_pip, npm_cache_cleans, npm_installs_any, pip_installs, rm_removes,
                  rpm_cleans_all, rpm_installs, yarn_cache_cleans, yarn_dir, yarn_installs)
from ._runfix import comment_lines, logical_commands, plain_run

TITLE = "Use a BuildKit cache mount"
APT_PRELUDE = ("rm -f /etc/apt/apt.conf.d/docker-clean",
               "echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep-cache")
_APT_SUBS = frozenset({"update", "install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "reinstall",
                       "source", "download"})
_RPM_DIRS = {"yum": "/var/cache/yum", "dnf": "/var/cache/dnf", "dnf5": "/var/cache/libdnf5",
             "microdnf": "/var/cache/yum", "tdnf": "/var/cache/tdnf"}
_GO_SUBS = frozenset({"build", "install", "get", "test", "run", "generate", "vet", "mod", "list"})
_CARGO_SUBS = frozenset({"build", "install", "fetch", "test", "check", "run", "update", "vendor", "doc", "bench"})


@dataclass
class Plan:
    """What one RUN's rewrite does."""

    tools: list[str] = field(default_factory=list)
    mounts: list[str] = field(default_factory=list)  # --mount=… values to add
    drop: list[Command] = field(default_factory=list)  # cleanup commands to remove
    flags: list[tuple[Word, str | None]] = field(default_factory=list)  # (word, replacement or None: delete)
    prelude: tuple[str, ...] = ()


def _rm_of(paths: tuple[str, ...]) -> Callable[[Command], bool]:
    return lambda c: rm_removes(c, lambda p: covers(p, paths))


def _user_is_root(df: Dockerfile, ins: Instruction) -> bool:
    st = df.stage_of(ins)
    if st is None:
        return False
    for s in df.stage_chain(st):
        users = [df.instructions[i] for i in s.instructions
                 if df.instructions[i].keyword == "USER" and (s is not st or i < ins.index)]
        if users:
            return is_root_user(user_of(users[-1]))
    return True


def _env(df: Dockerfile, ins: Instruction, name: str) -> str | None:
    st = df.stage_of(ins)
    v = df.lookup_var(st, name, ins.index) if st is not None else None
    if v is not None and v.value and "$" not in v.value:
        return v.value.rstrip("/")
    return None


def _official_root(df: Dockerfile, ins: Instruction) -> str | None:
    from dockwise.images.catalog import official_name

    st = df.stage_of(ins)
    if st is None:
        return None
    root = df.stage_chain(st)[-1]
    return official_name(root.base) if root.base is not None and not root.base.unresolved else None


def plan(df: Dockerfile, ins: Instruction) -> Plan | None:
    """What the rewrite of ``ins`` would do, or None when there is nothing to do."""
    if not plain_run(ins):
        return None
    v = run_view(ins)
    cmds = v.commands
    have = [t.rstrip("/") for t in v.cache_targets]
    root = _user_is_root(df, ins)
    p = Plan()

    def want(tool: str, targets: list[tuple[str, str]], home: bool) -> None:
        if home and not root:
            return
        added = False
        for target, extra in targets:
            if any(h == target or target.startswith(h + "/") for h in have):
                continue
            p.mounts.append(f"type=cache,target={target}{extra}")
            added = True
        if added:
            p.tools.append(tool)

    if any(c.name in APT and c.sub in _APT_SUBS for c in cmds):
        want("apt", [("/var/cache/apt", ",sharing=locked"), ("/var/lib/apt", ",sharing=locked")], False)
        if "apt" in p.tools and not any(c.name == "rm" and c.has_arg("/etc/apt/apt.conf.d/docker-clean")
                                        for c in cmds):
            p.prelude = APT_PRELUDE
    apk = [c for c in cmds if c.name == "apk" and c.sub in ("add", "update", "upgrade", "fix")]
    if apk:
        want("apk", [("/var/cache/apk", "")], False)
    rpm_tools = sorted({c.name for c in cmds if c.name in RPM and (rpm_installs(c, RPM) or c.sub == "makecache")})
    if rpm_tools:
        want("/".join(rpm_tools), [(_RPM_DIRS.get(t, "/var/cache/dnf"), ",sharing=locked") for t in rpm_tools], False)
    pips = [c for c in cmds if pip_installs(c) is not None]
    if pips:
        want("pip", [("/root/.cache/pip", "")], True)
    if any(npm_installs_any(c) for c in cmds):
        want("npm", [("/root/.npm", "")], True)
    if any(yarn_installs(c) or (c.name == "yarn" and c.sub in ("add", "global")) for c in cmds):
        want("yarn", [("/usr/local/share/.cache/yarn", "")], True)
    if any(c.name == "go" and c.sub in _GO_SUBS for c in cmds):
        gopath = _env(df, ins, "GOPATH") or ("/go" if _official_root(df, ins) == "golang" else "/root/go")
        want("go", [("/root/.cache/go-build", ""), (f"{gopath}/pkg/mod", "")], True)
    if any(c.name == "cargo" and c.sub in _CARGO_SUBS for c in cmds):
        home = _env(df, ins, "CARGO_HOME") or ("/usr/local/cargo" if _official_root(df, ins) == "rust"
                                                 else "/root/.cargo")
        want("cargo", [(f"{home}/registry", ""), (f"{home}/git/db", "")], not home.startswith("/usr/local"))
    if not p.tools:
        return None

    # the cleanups the mounts make pointless
    cleanups: list[Callable[[Command], bool]] = []
    if "apt" in p.tools:
        cleanups += [lambda c: c.name in APT and c.sub in ("clean", "autoclean", "auto-clean", "distclean",
                                                             "dist-clean"),
                     _rm_of(("/var/lib/apt/lists", "/var/cache/apt/archives", "/var/cache/apt"))]
    if "apk" in p.tools:
        cleanups += [lambda c: c.name == "apk" and c.sub == "cache" and c.has_arg("clean", "purge"),
                     _rm_of(("/var/cache/apk",))]
        for c in apk:
            for w in c.args:
                if w.value == "--no-cache":
                    p.flags.append((w, None if c.has_arg("--update-cache", "-U") else "--update-cache"))
    if rpm_tools and "/".join(rpm_tools) in p.tools:
        cleanups += [lambda c: rpm_cleans_all(c, RPM) or (c.name in RPM and c.sub == "clean"),
                     _rm_of(tuple(_RPM_DIRS[t] for t in rpm_tools if t in _RPM_DIRS))]
    if "pip" in p.tools:
        cleanups += [lambda c: is_pip(c) and c.sub == "cache",
                     _rm_of(("/root/.cache/pip", "/root/.cache"))]
        for c in pips:
            for w in c.args:
                if w.value == "--no-cache-dir":
                    p.flags.append((w, None))
    if "npm" in p.tools:
        cleanups.append(npm_cache_cleans)
    if "yarn" in p.tools:
        cleanups += [yarn_cache_cleans, lambda c: rm_removes(c, yarn_dir)]
    if "go" in p.tools:
        cleanups.append(lambda c: c.name == "go" and c.sub == "clean" and c.has_arg("-cache", "-modcache"))
    p.drop = [c for c in cmds if any(f(c) for f in cleanups)]
    return p


def _separators(text: str, cmds: list) -> list[str] | None:
    """The operators between consecutive top-level commands, or None when the
    script is not a flat list of simple commands."""
    seps = []
    for a, b in zip(cmds, cmds[1:]):
        seps.append(text[a.span.end.col: b.span.start.col].strip())
    return seps


def cache_mount_fix(df: Dockerfile, ins: Instruction) -> Fix | None:
    """The rewrite of one RUN as a fix (unsafe when it changes the image's apt
    configuration or an option), or None when not offered (see the module docs)."""
    p = plan(df, ins)
    if p is None:
        return None
    text = ins.text.rstrip()
    ok, logical = logical_commands(text)
    if not ok:
        return None
    top = [c for c in logical if not c.subshell and not c.substitution and c.shell is None]
    if not top or any(c.in_pipe or c.background or c.negated for c in top):
        return None
    if text[: top[0].span.start.col].strip() or text[top[-1].span.end.col:].strip():
        return None
    seps = _separators(text, top)
    if seps is None or any(s not in ("&&", ";") for s in seps):
        return None
    # match the view's (physical) commands with the logical top-level ones
    v = run_view(ins)
    phys_top = [c for c in v.commands if not c.subshell and not c.substitution and c.shell is None]
    if len(phys_top) != len(top) or [c.simple.argv for c in phys_top] != [c.simple.argv for c in top]:
        return None
    tmap = ins.text_map
    edits: list[Edit] = []
    drop_idx = []
    for c in p.drop:
        if c not in phys_top:
            return None  # a cleanup inside `sh -c`, a subshell …: leave the RUN alone
        drop_idx.append(phys_top.index(c))
    if len(drop_idx) == len(top):
        return None  # nothing would be left to run
    dropped = set(drop_idx)
    for k in sorted(dropped):
        if any(j not in dropped for j in range(k)):
            # `prev && cleanup [&& next]`: from the end of the previous command
            before = seps[k - 1]
            after = seps[k] if k < len(seps) else None
            if after is not None and after != before:
                return None
            span = Span(tmap.end_pos(top[k - 1].span.end.col), tmap.end_pos(top[k].span.end.col))
        else:  # the script starts with it: up to the next command
            span = Span(tmap.pos(top[k].span.start.col), tmap.pos(top[k + 1].span.start.col))
        if comment_lines(df, span.start.line + 1, span.end.line):
            return None
        edits.append(Edit(span, ""))
    for word, repl in p.flags:
        span = word.span
        if repl is None:
            owner = [c for c in phys_top if any(w is word for w in c.args)]
            if not owner:
                return None
            c = owner[0]
            i = next(i for i, w in enumerate(c.args) if w is word)
            prev_end = c.args[i - 1].span.end if i > 0 else c.name_span.end
            span = Span(prev_end, word.span.end)
        edits.append(Edit(span, repl or ""))
    if p.prelude:
        sep = seps[0] if seps else "&&"
        at = tmap.pos(top[0].span.start.col)
        joiner = f" {sep} " if sep == "&&" else "; "
        edits.append(Edit(Span(at, at), joiner.join(p.prelude) + joiner))
    at = ins.keyword_span.end
    edits.append(Edit(Span(at, at), "".join(f" --mount={m}" for m in p.mounts)))
    try:
        return (Fix.unsafe if p.prelude or any(r is not None for _, r in p.flags) else Fix.safe)(
            f"{TITLE} ({', '.join(p.tools)})", *edits)
    except ValueError:  # overlapping edits
        return None


def verified(df: Dockerfile, ins: Instruction, new: Dockerfile) -> bool:
    """``new`` (``df`` with :func:`cache_mount_fix` of ``ins`` applied) parses
    as ``df`` did, differs only in the RUN's lines, and the RUN runs the old
    commands minus the dropped cleanups plus apt's prelude, with the mounts."""
    p = plan(df, ins)
    if p is None:
        return False
    bad = lambda d: sum(1 for e in d.errors if e.severity == "error")  # noqa: E731
    if bad(new) > bad(df) or len(new.stages) != len(df.stages) or len(new.instructions) != len(df.instructions):
        return False
    got = new.instructions[ins.index]
    if got.keyword != "RUN" or got.start_line != ins.start_line:
        return False
    old_lines, new_lines = df.lines, new.lines
    delta = len(new_lines) - len(old_lines)
    if old_lines[: ins.start_line] != new_lines[: ins.start_line]:
        return False
    if old_lines[ins.end_line + 1:] != new_lines[got.end_line + 1:] or got.end_line - ins.end_line != delta:
        return False
    drop = {id(c) for c in p.drop}
    flag_words = {id(w) for w, _ in p.flags}
    want = [tuple(_argv(x)) for x in p.prelude]
    for c in run_view(ins).commands:
        if id(c) in drop:
            continue
        argv = [c.simple.name]
        for w in c.simple.args:
            if id(w) in flag_words:
                argv += [r for x, r in p.flags if x is w and r]
            else:
                argv.append(w.value)
        want.append(tuple(argv))
    have = [tuple([c.simple.name] + [w.value for w in c.simple.args]) for c in run_view(got).commands]
    if sorted(want) != sorted(have):
        return False
    mounted = {t.rstrip("/") for t in run_view(got).cache_targets}
    return all(m.split("target=", 1)[1].split(",", 1)[0] in mounted for m in p.mounts)


def _argv(command: str) -> list[str]:
    from dockwise.syntax.shell import line_map, parse_shell

    sh = parse_shell(command, line_map(command, 0))
    return sh.commands[0].argv if sh.commands else []

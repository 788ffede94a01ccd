"""Shared predicates for the package-cache rules (DL3032 yum, DL3040 dnf and
microdnf, DL3036 zypper, DL3060 yarn) and the "append a cleanup" fix.

Commands are looked at through :func:`invocation`, which sees through a
leading ``sudo`` (``sudo yum install x`` is a yum install) and compares the
command's basename (``/usr/bin/yum`` is yum). Sub-commands are found as the
first positional word that is a known command of the tool, after skipping the
values of the tool's value-taking global options given as a separate word
(``yum --enablerepo epel install x``).
"""
from __future__ import annotations

import posixpath
from typing import Callable, Iterable, NamedTuple

from dockwise.syntax.model import Dockerfile, Instruction, ShellCommand, Span, Word

from ._api import Edit, Fix
from ._helpers import base_name, mounts, per_command


class Invocation(NamedTuple):
    tool: str  # basename of the command actually run ("yum")
    args: list[Word]  # its arguments
    cmd: ShellCommand  # the simple command it is part of (span for findings)


_SUDO_VALUE_OPTS = frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "-R"})


@per_command
def invocation(cmd: ShellCommand) -> Invocation:
    """The command a simple command runs, seeing through ``sudo [options]``."""
    tool = base_name(cmd.name)
    args = list(cmd.args)
    if tool == "sudo":
        i = 0
        while i < len(args):
            v = args[i].value
            if v == "--":
                i += 1
                break
            if not v.startswith("-") or v == "-":
                break
            i += 2 if v in _SUDO_VALUE_OPTS else 1
        if i < len(args):
            return Invocation(base_name(args[i].value), args[i + 1:], cmd)
    return Invocation(tool, args, cmd)


def positionals(args: list[Word], value_opts: frozenset[str] = frozenset()) -> list[str]:
    """Arguments that are not options, skipping the separate value of an
    option in ``value_opts`` (``--cwd dir``; ``--cwd=dir`` is one word)."""
    out: list[str] = []
    skip = False
    for w in args:
        v = w.value
        if skip:
            skip = False
            continue
        if v.startswith("-") and v != "-":
            if v in value_opts:
                skip = True
            continue
        out.append(v)
    return out


def subcommand(inv: Invocation, known: frozenset[str], value_opts: frozenset[str]) -> list[str]:
    """Positional words from the tool's sub-command on (``["install", "x"]``);
    [] when no positional word is a known sub-command."""
    pos = positionals(inv.args, value_opts)
    for i, v in enumerate(pos):
        if v in known:
            return pos[i:]
    return []


# -- rpm family -------------------------------------------------------------

_RPM_VALUE_OPTS = frozenset({
    "-c", "--config", "-d", "--debuglevel", "-e", "--errorlevel", "--installroot",
    "--releasever", "--setopt", "--enablerepo", "--disablerepo", "--repo", "--repoid",
    "-x", "--exclude", "--excludepkgs", "--disableexcludes", "--disableplugin",
    "--enableplugin", "--forcearch", "-R", "--randomwait", "--color", "--downloaddir",
    "--destdir", "--rpmverbosity", "--repofrompath", "--comment", "--advisory",
    "--advisories", "--bz", "--bzs", "--cve", "--cves", "--sec-severity", "--secseverity",
})

# sub-commands that download repository metadata and packages into the cache
_RPM_INSTALL = frozenset({
    "install", "in", "localinstall", "groupinstall", "reinstall", "rei", "update", "up",
    "upgrade", "update-minimal", "upgrade-minimal", "up-min", "localupdate", "groupupdate",
    "downgrade", "dg", "distro-sync", "distribution-synchronization", "dsync", "swap",
})
_RPM_GROUPS = frozenset({"group", "groups", "module"})
_RPM_KNOWN = _RPM_INSTALL | _RPM_GROUPS | frozenset({
    "remove", "erase", "rm", "autoremove", "list", "ls", "info", "provides", "whatprovides",
    "clean", "makecache", "mc", "search", "se", "shell", "sh", "check-update", "check-upgrade",
    "history", "repolist", "repoinfo", "repoquery", "rq", "deplist", "check", "help", "mark",
    "config-manager", "builddep", "download", "updateinfo", "versionlock", "copr",
    "grouplist", "groupinfo", "groupremove", "groupinstall", "version", "resolvedep",
    "load-transaction", "repository-packages", "alias", "debuginfo-install", "needs-restarting",
})

RPM_CACHE_DIRS = ("/var/cache/yum", "/var/cache/dnf", "/var/cache/libdnf5")

YUM_TOOLS = ("yum",)
DNF_TOOLS = ("dnf", "dnf5", "microdnf")


def rpm_installs(inv: Invocation, tools: Iterable[str]) -> bool:
    """``yum install …`` / ``dnf -y upgrade`` / ``yum group install …``."""
    if inv.tool not in tools:
        return False
    sub = subcommand(inv, _RPM_KNOWN, _RPM_VALUE_OPTS)
    if not sub:
        return False
    if sub[0] in _RPM_GROUPS:
        return len(sub) > 1 and sub[1] in ("install", "in", "update", "upgrade", "up")
    return sub[0] in _RPM_INSTALL


def rpm_cleans_all(inv: Invocation, tools: Iterable[str]) -> bool:
    """``<tool> clean all`` (not ``clean metadata`` or ``clean packages``)."""
    if inv.tool not in tools:
        return False
    sub = subcommand(inv, _RPM_KNOWN, _RPM_VALUE_OPTS)
    return len(sub) > 1 and sub[0] == "clean" and "all" in sub[1:]


# -- zypper -----------------------------------------------------------------

_ZYPPER_VALUE_OPTS = frozenset({
    "-c", "--config", "-R", "--root", "-D", "--reposd-dir", "-C", "--cache-dir",
    "--raw-cache-dir", "--solv-cache-dir", "--pkg-cache-dir", "--userdata", "--installroot",
})
_ZYPPER_INSTALL = frozenset({"install", "in", "update", "up", "dist-upgrade", "dup", "patch"})
_ZYPPER_CLEAN = frozenset({"clean", "cc"})
_ZYPPER_KNOWN = _ZYPPER_INSTALL | _ZYPPER_CLEAN | frozenset({
    "remove", "rm", "verify", "ve", "source-install", "si", "install-new-recommends", "inr",
    "refresh", "ref", "addrepo", "ar", "removerepo", "rr", "repos", "lr", "modifyrepo", "mr",
    "renamerepo", "nr", "search", "se", "info", "if", "list-updates", "lu", "list-patches",
    "lp", "patches", "pch", "packages", "pa", "patterns", "pt", "products", "pd", "addlock",
    "al", "removelock", "rl", "locks", "ll", "cleanlocks", "cl", "services", "ls",
    "addservice", "as", "refresh-services", "refs", "what-provides", "wp", "licenses",
    "download", "source-download", "ps", "needs-rebooting", "shell", "sh", "help",
})
ZYPPER_CACHE_DIRS = ("/var/cache/zypp",)


def zypper_installs(inv: Invocation) -> bool:
    if inv.tool != "zypper":
        return False
    sub = subcommand(inv, _ZYPPER_KNOWN, _ZYPPER_VALUE_OPTS)
    return bool(sub) and sub[0] in _ZYPPER_INSTALL


def zypper_cleans(inv: Invocation) -> bool:
    if inv.tool != "zypper":
        return False
    sub = subcommand(inv, _ZYPPER_KNOWN, _ZYPPER_VALUE_OPTS)
    return bool(sub) and sub[0] in _ZYPPER_CLEAN


# -- yarn -------------------------------------------------------------------

_YARN_VALUE_OPTS = frozenset({
    "--cwd", "--cache-folder", "--modules-folder", "--mutex", "--network-timeout",
    "--registry", "--global-folder", "--link-folder", "--preferred-cache-folder",
    "--use-yarnrc", "--otp", "--proxy", "--https-proxy", "--network-concurrency",
})
_YARN_NOT_INSTALL_FLAGS = frozenset({"-v", "--version", "-h", "--help"})


def yarn_installs(inv: Invocation) -> bool:
    """``yarn install …``, or a bare ``yarn`` / ``yarn --frozen-lockfile``
    (yarn's default command is install)."""
    if inv.tool != "yarn":
        return False
    pos = positionals(inv.args, _YARN_VALUE_OPTS)
    if not pos:
        return not any(w.value in _YARN_NOT_INSTALL_FLAGS for w in inv.args)
    return pos[0] == "install"


def yarn_cache_cleans(inv: Invocation) -> bool:
    if inv.tool != "yarn":
        return False
    pos = positionals(inv.args, _YARN_VALUE_OPTS)
    return len(pos) > 1 and pos[0] == "cache" and pos[1] == "clean"


def _yarn_dir(path: str) -> bool:
    return (
        ".cache/yarn" in path
        or "/.yarn/" in path + "/"
        or path.rstrip("/").endswith("yarn-cache")
        or "yarn cache dir" in path  # rm -rf "$(yarn cache dir)"
    )


# -- cleanup by rm and cache mounts -----------------------------------------


def _norm(path: str) -> str:
    """``/var/cache/yum/*`` → ``/var/cache/yum``; ``/var/cache/`` → ``/var/cache``."""
    p = path.strip()
    while p.endswith("*") or (p.endswith("/") and len(p) > 1):
        p = p[:-1]
    return posixpath.normpath(p) if p else ""


def covers(path: str, cache_dirs: Iterable[str]) -> bool:
    """``path`` is one of the cache directories or an ancestor (``/var/cache``),
    possibly with a ``/*`` suffix, or names one with a glob suffix
    (``/var/cache/yum*``)."""
    raw = path.strip()
    glob_suffix = raw.endswith("*") and not raw.endswith("/*")
    p = _norm(raw)
    if not p.startswith("/") or p == "/":
        return False
    for d in cache_dirs:
        if d == p or d.startswith(p + "/") or (glob_suffix and d.startswith(p)):
            return True
    return False


def _recursive_rm(inv: Invocation) -> bool:
    for w in inv.args:
        v = w.value
        if v == "--recursive" or (v.startswith("-") and not v.startswith("--") and ("r" in v or "R" in v)):
            return True
    return False


def rm_removes(inv: Invocation, pred: Callable[[str], bool]) -> bool:
    """``rm -r`` with an argument satisfying ``pred``."""
    if inv.tool != "rm" or not _recursive_rm(inv):
        return False
    return any(pred(w.value) for w in inv.args if not w.value.startswith("-"))


def rm_cache(inv: Invocation, cache_dirs: Iterable[str]) -> bool:
    dirs = tuple(cache_dirs)
    return rm_removes(inv, lambda v: covers(v, dirs))


def rm_yarn_cache(inv: Invocation) -> bool:
    return rm_removes(inv, _yarn_dir)


def cache_mounted(ins: Instruction, pred: Callable[[str], bool]) -> bool:
    """A ``--mount=type=cache`` or ``type=tmpfs`` whose target satisfies ``pred``."""
    for m in mounts(ins):
        if m.get("type", "bind").lower() not in ("cache", "tmpfs"):
            continue
        t = m.get("target") or m.get("dst") or m.get("destination")
        if t and pred(t):
            return True
    return False


def mount_covers(ins: Instruction, cache_dirs: Iterable[str]) -> bool:
    dirs = tuple(cache_dirs)
    return cache_mounted(ins, lambda t: covers(t, dirs))


def yarn_cache_mounted(ins: Instruction) -> bool:
    return cache_mounted(ins, _yarn_dir)


# -- finding the install that is not cleaned up ------------------------------


def uncleaned(
    ins: Instruction,
    is_install: Callable[[Invocation], bool],
    is_clean: Callable[[Invocation], bool],
) -> Invocation | None:
    """The first install in the RUN that no cleanup follows (in source
    order); None when every install is followed by a cleanup."""
    eff = ins.effective
    if eff.shell is None:
        return None
    invs = [invocation(c) for c in eff.shell.commands]
    installs = [i for i in invs if is_install(i)]
    if not installs:  # the common case; the cleanup checks are the costly part
        return None
    cleans = [i.cmd.span.start for i in invs if is_clean(i)]
    last_clean = max(cleans) if cleans else None
    for i in installs:
        if last_clean is None or last_clean <= i.cmd.span.start:
            return i
    return None


# -- the fix: append a cleanup command at the end of the RUN --------------------


def append_commands_fix(df: Dockerfile, ins: Instruction, commands: list[str], title: str) -> Fix | None:
    """Append `` \\<newline>    && <command>`` for each command at the end of
    a shell-form RUN (safe); a continued RUN's new lines are indented like
    its last line. None for exec form, heredoc RUNs, unparsed or
    non-bash scripts, a script ending in ``exit``/``exec``, and whenever the
    extended script would not parse into the old commands followed by the new
    ones as plain top-level commands (a trailing comment, ``;`` or ``&``)."""
    from dockwise.syntax.shell import line_map, parse_shell

    eff = ins.effective
    sh = eff.shell
    if eff.json or eff.heredocs or sh is None or sh.dialect != "bash" or not sh.ok or not commands:
        return None
    text = eff.text.rstrip()
    if not text or text.endswith(df.escape):
        return None
    old = parse_shell(text, line_map(text, 0))
    top = [c for c in old.commands if not c.subshell]
    if not old.ok or not top or base_name(top[-1].name) in ("exit", "exec"):
        return None
    new_text = text + "".join(f"     && {c}" for c in commands)
    new = parse_shell(new_text, line_map(new_text, 0))
    if not new.ok or len(new.commands) != len(old.commands) + len(commands):
        return None
    for got, want in zip(new.commands[len(old.commands):], commands):
        if " ".join(got.argv) != want or got.subshell or got.in_pipe or got.background or got.negated:
            return None
    nl = "\r\n" if "\r\n" in df.text else "\n"
    at = eff.text_map.end_pos(len(text))
    indent = "    "
    if at.line > eff.text_map.pos(0).line:  # continued RUN: indent like its last line
        last = df.lines[at.line]
        lead = last[: len(last) - len(last.lstrip(" \t"))]
        if lead:
            indent = lead
    insert = "".join(f" {df.escape}{nl}{indent}&& {c}" for c in commands)
    return Fix.safe(title, Edit(Span(at, at), insert))

"""Shared detection code for the rules of the talk (DW001–DW011).

Commands are read through :func:`commands`, which looks through wrappers
(``sudo``, ``env``, ``xargs``, ``python -m pip`` …) and into ``sh -c "…"``
strings, and reads cmd/PowerShell RUNs (which are not parsed as shell) with a
crude tokenizer, so a rule sees ``apt-get install`` however it was spelled.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Callable, Iterator

from dockwise.syntax.model import Arg, Dockerfile, Instruction, Pos, ShellCommand, Span, Stage, Word

from ._helpers import base_name, mounts, per_command

TALK = 'DockerCon talk "Creating effective images"'
BEST_PRACTICES = "https://docs.docker.com/build/building/best-practices/"


# -- stages -------------------------------------------------------------------------


def final_chain(df: Dockerfile) -> list[Stage]:
    """The stages whose filesystem ends up in the final image: the last stage
    and the stages it is built ``FROM``, nearest first."""
    last = df.final_stage()
    return df.stage_chain(last) if last is not None else []


def final_chain_indices(df: Dockerfile) -> set[int]:
    return {s.index for s in final_chain(df)}


# A Dockerfile for a build or development environment: its file name has a
# dev/build word (Dockerfile.dev, Dockerfile.builder, build.Dockerfile, ci.Dockerfile)
# or its folder is named like one (.devcontainer/, dev/, ci/, builder/).
_DEV_WORDS = "builder|build|buildenv|dev|devel|develop|development|devcontainer|ci|toolchain|sdk"
_DEV_FILE = re.compile(rf"(?i)(^|[._-])({_DEV_WORDS})([._-]|$)")
_DEV_DIR = re.compile(rf"(?i)^\.?({_DEV_WORDS})$")


def is_dev_environment(df: Dockerfile) -> bool:
    """True when the file's name or its folder's name says it builds a build
    or development environment (nothing but the path string is read)."""
    if not df.path:
        return False
    parts = df.path.replace("\\", "/").split("/")
    folder = parts[-2] if len(parts) > 1 else ""
    return bool(_DEV_FILE.search(parts[-1]) or _DEV_DIR.match(folder))


def is_scratch(ref) -> bool:
    return ref is not None and (ref.resolved or ref.raw).lower() == "scratch"


# -- commands -----------------------------------------------------------------------


@dataclass(slots=True)
class Cmd:
    """A command as a rule wants to see it: wrappers removed."""

    name: str  # base name of the command word ("apt-get")
    args: list[Word]
    span: Span  # of the whole simple command as written (wrappers included)
    name_span: Span
    source: ShellCommand | None = None

    @property
    def values(self) -> list[str]:
        return [w.value for w in self.args]

    def sub(self) -> str | None:
        """The first non-flag argument (``install`` in ``apt-get -y install``)."""
        for w in self.args:
            if not w.value.startswith("-"):
                return w.value
        return None

    def positional(self) -> list[Word]:
        return [w for w in self.args if not w.value.startswith("-")]


_WRAPPERS = {
    "sudo": {"-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U"},
    "env": {"-u", "-C", "-S"},
    "eatmydata": set(),
    "nice": {"-n"},
    "ionice": {"-c", "-n", "-p"},
    "nohup": set(),
    "time": {"-f", "-o"},
    "stdbuf": {"-i", "-o", "-e"},
    "chronic": set(),
    "fakeroot": set(),
    "command": set(),
    "exec": {"-a"},
    "xargs": {"-n", "-I", "-P", "-L", "-d", "-E", "-s", "-a"},
    "timeout": {"-s", "-k"},
    "retry": {"-t", "-d", "--times", "--delay"},
}
_WRAPPER_POSITIONALS = {"timeout": 1, "gosu": 1, "su-exec": 1, "chroot": 1}
_SHELLS = {"sh", "bash", "dash", "ash", "zsh", "ksh"}


def _unwrap(name: str, args: list[Word]) -> tuple[str, list[Word], Span | None]:
    """Strip wrappers: ``sudo -E apt-get install`` → ``apt-get``, ``[install]``."""
    span = None
    for _ in range(6):
        b = base_name(name)
        if b in _WRAPPERS or b in _WRAPPER_POSITIONALS:
            opts = _WRAPPERS.get(b, set())
            skip_pos = _WRAPPER_POSITIONALS.get(b, 0)
            i = 0
            while i < len(args):
                v = args[i].value
                if v == "--":
                    i += 1
                    break
                if v.startswith("-"):
                    i += 2 if v in opts else 1
                    continue
                if b == "env" and "=" in v:
                    i += 1
                    continue
                if skip_pos:
                    skip_pos -= 1
                    i += 1
                    continue
                break
            if i >= len(args):
                return b, [], span
            name, span, args = args[i].value, args[i].span, args[i + 1:]
            continue
        if b.startswith("python") and len(args) >= 2 and args[0].value == "-m":
            name, span, args = args[1].value, args[1].span, args[2:]
            continue
        break
    return base_name(name), args, span


def _nested(cmd: ShellCommand) -> list[ShellCommand]:
    """Commands inside ``sh -c "…"``: parsed with positions when the string
    sits on one line, else every nested command gets the string's span."""
    if base_name(cmd.name) not in _SHELLS:
        return []
    args = cmd.args
    for i, w in enumerate(args):
        if w.value.startswith("-") and "c" in w.value[1:] and not w.value.startswith("--"):
            if i + 1 < len(args) and args[i + 1].static:
                return _parse_string(args[i + 1])
            return []
    return []


def _parse_string(w: Word) -> list[ShellCommand]:
    from dockwise.syntax.shell import line_map, parse_shell

    raw, value = w.raw, w.value
    one_line = w.span.start.line == w.span.end.line
    if one_line and len(raw) >= 2 and raw[0] in "'\"" and raw[-1] == raw[0] and raw[1:-1] == value:
        script = parse_shell(value, line_map(value, w.span.start.line, w.span.start.col + 1))
        return list(script.commands)
    if one_line and raw == value:
        script = parse_shell(value, line_map(value, w.span.start.line, w.span.start.col))
        return list(script.commands)
    script = parse_shell(value, line_map(value, w.span.start.line, w.span.start.col))
    out = []
    for c in script.commands:
        args = [Word(a.value, a.raw, w.span, a.static) for a in c.args]
        out.append(ShellCommand(c.name, args, w.span, w.span, c.assignments, c.pipeline, c.in_pipe))
    return out


@per_command
def _to_cmd(c: ShellCommand) -> Cmd:
    name, args, nspan = _unwrap(c.name, list(c.args))
    return Cmd(name, args, c.span, nspan or c.name_span, c)


def _expand(cmds: list[ShellCommand], depth: int = 0) -> Iterator[ShellCommand]:
    for c in cmds:
        yield c
        if depth < 3:
            inner = _nested(c)
            if inner:
                yield from _expand(inner, depth + 1)


_SEP = re.compile(r"&&|\|\||[;|&\n\r]")
_TOKEN = re.compile(r"""'[^']*'|"[^"]*"|[^\s'"]+""")


def _crude(text: str, span_of: Callable[[int, int], Span]) -> list[Cmd]:
    """Commands of a cmd/PowerShell script: split on separators, then on blanks."""
    out: list[Cmd] = []
    pos = 0
    for m in list(_SEP.finditer(text)) + [None]:
        end = m.start() if m else len(text)
        seg = text[pos:end]
        toks = [(t.group(0), pos + t.start(), pos + t.end()) for t in _TOKEN.finditer(seg)]
        pos = m.end() if m else len(text)
        toks = [t for t in toks if t[0] not in ("&", "@")]
        if not toks:
            continue
        words = []
        for raw, s, e in toks:
            val = raw[1:-1] if len(raw) >= 2 and raw[0] in "'\"" and raw[-1] == raw[0] else raw
            words.append(Word(val.rstrip(","), raw, span_of(s, e), "$" not in raw))
        first = words[0]
        name = first.value.replace("\\", "/")
        out.append(Cmd(base_name(name).lower(), words[1:], span_of(toks[0][1], toks[-1][2]), first.span, None))
    return out


def text_pieces(ins: Instruction) -> list[tuple[str, Callable[[int, int], Span]]]:
    """The texts of an instruction a rule may search, each with a function
    mapping ``[start, end)`` offsets to a Span: the logical text after the
    keyword and flags (for ONBUILD: of the trigger) and each heredoc body."""
    eff = ins.effective
    out: list[tuple[str, Callable[[int, int], Span]]] = [(eff.text, eff.text_map.span)]
    for h in eff.heredocs:
        if h.body and h.body_span is not None:
            out.append((h.body, _body_spanner(h.body, h.body_span.start)))
    return out


def _body_spanner(body: str, start: Pos) -> Callable[[int, int], Span]:
    def pos(off: int) -> Pos:
        line = start.line + body.count("\n", 0, off)
        nl = body.rfind("\n", 0, off)
        col = (start.col + off) if nl < 0 else off - nl - 1
        return Pos(line, col)

    def span(s: int, e: int) -> Span:
        return Span(pos(s), pos(e))

    return span


def commands(ins: Instruction) -> list[Cmd]:
    """Every command of a RUN (or ONBUILD RUN), wrappers removed, ``sh -c``
    strings included; cmd/PowerShell RUNs tokenized crudely."""
    eff = ins.effective
    sh = eff.shell
    if sh is None:
        return []
    if sh.dialect in ("bash", "exec"):
        return [_to_cmd(c) for c in _expand(list(sh.commands))]
    out: list[Cmd] = []
    if eff.json:
        for a in eff.args:
            out.extend(_crude(a.value, _arg_spanner(a)))
        # ["cmd", "/S", "/C", "msiexec …"]: the first words are the shell
        return out
    for text, span_of in text_pieces(ins):
        out.extend(_crude(text, span_of))
    return out


def _arg_spanner(a: Arg) -> Callable[[int, int], Span]:
    s = a.span

    def span(i: int, j: int) -> Span:
        if s.start.line != s.end.line:
            return s
        base = s.start.col + 1  # after the opening quote
        return Span(Pos(s.start.line, base + i), Pos(s.start.line, base + j))

    return span


def run_instructions(df: Dockerfile) -> Iterator[Instruction]:
    for ins in df.instructions:
        if ins.effective.keyword == "RUN":
            yield ins


# -- package managers ---------------------------------------------------------------

APT = {"apt-get", "apt", "aptitude"}
APK = {"apk"}
RPM = {"yum", "dnf", "microdnf", "tdnf"}
ZYPPER = {"zypper"}
_APT_OPTS_WITH_VALUE = {"-o", "-t", "-c", "--option", "--target-release", "--config-file"}
_APK_OPTS_WITH_VALUE = {"-t", "--virtual", "-X", "--repository", "-p", "--root", "--arch", "--cache-dir", "--keys-dir"}
_RPM_OPTS_WITH_VALUE = {"-x", "--exclude", "--setopt", "--enablerepo", "--disablerepo", "--releasever", "--installroot", "-c", "--config"}


def _positional(args: list[Word], with_value: set[str]) -> list[Word]:
    out = []
    i = 0
    while i < len(args):
        v = args[i].value
        if v.startswith("-"):
            i += 2 if v in with_value else 1
            continue
        out.append(args[i])
        i += 1
    return out


def installed_packages(c: Cmd) -> tuple[str, list[Word]] | None:
    """``(manager, package words)`` when ``c`` installs OS packages."""
    if c.name in APT:
        pos = _positional(c.args, _APT_OPTS_WITH_VALUE)
        if pos and pos[0].value in ("install", "reinstall"):
            return "apt", pos[1:]
        return None
    if c.name in APK:
        pos = _positional(c.args, _APK_OPTS_WITH_VALUE)
        if pos and pos[0].value == "add":
            return "apk", pos[1:]
        return None
    if c.name in RPM:
        pos = _positional(c.args, _RPM_OPTS_WITH_VALUE)
        if pos and pos[0].value in ("install", "groupinstall", "reinstall"):
            return "rpm", pos[1:]
        return None
    if c.name in ZYPPER:
        pos = _positional(c.args, set())
        if pos and pos[0].value in ("install", "in"):
            return "zypper", pos[1:]
    return None


def apk_virtual(c: Cmd) -> str | None:
    """The ``--virtual NAME`` of an ``apk add``."""
    vals = c.values
    for i, v in enumerate(vals):
        if v in ("-t", "--virtual") and i + 1 < len(vals):
            return vals[i + 1]
        if v.startswith("--virtual="):
            return v.split("=", 1)[1]
    return None


def removed_packages(cs: list[Cmd]) -> tuple[set[str], bool]:
    """Package names removed by these commands, and whether an
    ``apt-mark auto`` + ``--auto-remove``/``autoremove`` purge removes every
    package installed after the mark (the Docker official images' idiom)."""
    names: set[str] = set()
    marked = any(c.name == "apt-mark" and c.sub() == "auto" for c in cs)
    auto = False
    for c in cs:
        sub = c.sub()
        if c.name in APT and sub in ("purge", "remove", "autoremove"):
            pos = _positional(c.args, _APT_OPTS_WITH_VALUE)
            names |= {package_name(w.value) for w in pos[1:]}
            if sub == "autoremove" or "--auto-remove" in c.values or "--autoremove" in c.values:
                auto = True
        elif c.name in APK and sub == "del":
            names |= {w.value for w in _positional(c.args, _APK_OPTS_WITH_VALUE)[1:]}
        elif c.name in RPM and sub in ("remove", "erase", "autoremove"):
            names |= {package_name(w.value) for w in _positional(c.args, _RPM_OPTS_WITH_VALUE)[1:]}
        elif c.name in ZYPPER and sub in ("remove", "rm"):
            names |= {package_name(w.value) for w in _positional(c.args, set())[1:]}
    return names, marked and auto


def package_name(spec: str) -> str:
    """``gcc=4:12.2.0-3`` → ``gcc``; ``gcc~=12`` → ``gcc``; ``python3-dev>=3`` → ``python3-dev``."""
    return re.split(r"[=<>~]", spec, maxsplit=1)[0]


def updates_index(c: Cmd) -> bool:
    """``apt-get update``, ``apk update``, ``yum/dnf makecache``, ``zypper refresh``."""
    sub = c.sub()
    if c.name in APT or c.name in APK:
        return sub == "update"
    if c.name in RPM:
        return sub == "makecache"
    if c.name in ZYPPER:
        return sub in ("refresh", "ref")
    return False


_APT_USES = {"install", "reinstall", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source", "download", "safe-upgrade"}
_APK_USES = {"add", "upgrade", "fix", "fetch"}
_RPM_USES = {"install", "groupinstall", "reinstall", "upgrade", "update", "downgrade", "distro-sync", "group", "localinstall", "builddep"}
_ZYPPER_USES = {"install", "in", "update", "up", "dist-upgrade", "dup", "patch", "source-install", "si"}


def uses_index(c: Cmd) -> bool:
    """A command that installs or upgrades from the package index."""
    if c.name in APT:
        p = _positional(c.args, _APT_OPTS_WITH_VALUE)
        return bool(p) and p[0].value in _APT_USES
    if c.name in APK:
        p = _positional(c.args, _APK_OPTS_WITH_VALUE)
        return bool(p) and p[0].value in _APK_USES
    if c.name in RPM:
        p = _positional(c.args, _RPM_OPTS_WITH_VALUE)
        return bool(p) and p[0].value in _RPM_USES
    if c.name in ZYPPER:
        p = _positional(c.args, set())
        return bool(p) and p[0].value in _ZYPPER_USES
    # helpers that install from the index themselves (Bitnami, jlesage base images, apt-fast)
    return c.name in ("install_packages", "add-pkg", "apt-fast", "apt-install") and bool(c.args)


def runs_unknown_script(c: Cmd) -> bool:
    """A command whose effect we cannot see: a script file, a shell reading
    a script or a pipe, make, or a command named by a variable."""
    n = c.name
    if not n:
        return False
    if "$" in n or "`" in n:
        return True
    if n.endswith((".sh", ".bash")) or (c.source is not None and c.source.name.startswith(("./", "/")) and n not in _KNOWN_BINARIES):
        return True
    if n in _SHELLS:
        pos = [w for w in c.args if not w.value.startswith("-")]
        has_c = any(w.value.startswith("-") and "c" in w.value[1:] and not w.value.startswith("--") for w in c.args)
        if has_c:
            return False  # the -c string is read as nested commands
        return bool(pos) or (c.source is not None and c.source.in_pipe)
    return n in ("make", "ansible-playbook", "ansible", "source", ".", "eval", "invoke", "task", "just", "cmake")


_KNOWN_BINARIES = {"apt-get", "apt", "rm", "sh", "bash", "tar", "curl", "wget", "chmod", "chown", "mkdir", "ln", "cp", "mv"}


# -- COPY / ADD -----------------------------------------------------------------------

_WHOLE = {".", "./", "./.", "*", "./*", "/.", ".\\", ".\\*"}


def copy_sources(ins: Instruction) -> list[Arg]:
    """The source arguments of a COPY/ADD (not ``--from``, not heredocs)."""
    eff = ins.effective
    if eff.keyword not in ("COPY", "ADD") or eff.flag("from") is not None:
        return []
    args = eff.args[:-1] if len(eff.args) >= 2 else []
    return [a for a in args if not a.value.startswith("<<")]


def whole_context_arg(ins: Instruction) -> Arg | None:
    """The ``.`` of ``COPY . /app`` (the whole build context), else None."""
    for a in copy_sources(ins):
        if a.value in _WHOLE:
            return a
    return None


# -- users --------------------------------------------------------------------------

_ROOT_NAMES = {"root", "0", "containeradministrator"}


def user_of(ins: Instruction) -> str:
    """The user part of a USER instruction's argument (``app`` for ``app:app``)."""
    text = ins.effective.text.strip()
    if not text:
        return ""
    return text.split()[0].split(":", 1)[0]


def is_root_user(user: str) -> bool:
    return user.lower() in _ROOT_NAMES


# -- variables ----------------------------------------------------------------------

_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))")


def expand_simple(df: Dockerfile, ins: Instruction, text: str) -> str | None:
    """``text`` with ``$X``/``${X}``/``${X:-d}`` replaced by the values in
    scope at ``ins`` (ARG/ENV defaults); None when a variable is unknown."""
    if "$" not in text:
        return text
    stage = df.stage_of(ins)
    failed = False

    def sub(m: re.Match[str]) -> str:
        nonlocal failed
        name = m.group(1) or m.group(2)
        v = df.lookup_var(stage, name, ins.index) if stage is not None else None
        if v is None:
            for g in df.global_args:
                if g.name == name:
                    v = g
        if v is None or v.value is None:
            inner = m.group(0)
            dm = re.match(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-(.*)\}$", inner)
            if dm:
                return dm.group(1)
            failed = True
            return ""
        return v.value

    out = _VAR.sub(sub, text)
    return None if failed or "$" in out else out


def bind_mount_paths(ins: Instruction) -> list[str]:
    """``source=`` and ``target=`` of the context bind mounts of a RUN
    (``--mount=type=bind,source=requirements.txt,target=/r.txt``)."""
    out = []
    for m in mounts(ins):
        if m.get("type", "bind").lower() == "bind" and "from" not in m:
            out.append(m.get("source") or m.get("src") or ".")
            t = m.get("target") or m.get("dst") or m.get("destination")
            if t:
                out.append(t)
    return out


def basename(path: str) -> str:
    return posixpath.basename(path.rstrip("/").replace("\\", "/"))

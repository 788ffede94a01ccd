"""Package-manager command classification shared by the apt/apk/pip/npm rules.

Every helper takes a :class:`~dockwise.syntax.model.ShellCommand` from a RUN's
``shell.commands`` (shell form, heredoc script or exec form alike) and reads
its words with real option parsing: an option that takes a value consumes it
(``-t bookworm``, ``--virtual .deps``, ``-o Foo=bar``), ``--opt=value`` and
``-oValue`` consume nothing more, and ``--`` ends the options. hadolint
2.15.1 treats any word equal to ``install`` as the sub-command and knows few
value-taking options, so it reads ``apt-get -o X install`` as installing the
package ``X``; the differences are listed in each rule's docs.

Command names are compared by basename (``/usr/bin/apt-get`` is apt-get).
Wrappers are *not* unwrapped: ``sudo apt-get install x`` is a ``sudo``
command, as in hadolint (DL3004 flags the sudo itself).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from dockwise.syntax.model import Dockerfile, Instruction, Pos, ShellCommand, Span, Word

from ._api import Edit
from ._helpers import base_name, cache_mount_targets, per_command


# -- option parsing ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OptSpec:
    """Which options of a program take a value (as a separate word)."""

    short_values: str = ""  # short option letters that take a value: "otc"
    long_values: frozenset[str] = frozenset()  # long option names that take a value


@dataclass(frozen=True, slots=True)
class Opt:
    """One option occurrence: ``-y`` is Opt("y"), ``--quiet=2`` is Opt("quiet", "2")."""

    name: str
    value: str | None
    word: Word  # the word the option is written in


@dataclass(slots=True)
class Parsed:
    """The argv of one program invocation after option parsing."""

    cmd: ShellCommand
    words: list[Word]  # the program's own arguments (for ``python -m pip`` those after ``pip``)
    opts: list[Opt] = field(default_factory=list)
    operands: list[Word] = field(default_factory=list)  # non-option words, option values excluded

    @property
    def subcommand(self) -> Word | None:
        """The first operand, skipping leading non-static words (``apt-get $OPTS install``)."""
        for w in self.operands:
            if w.static:
                return w
        return None

    def after_subcommand(self) -> list[Word]:
        """Operands after the sub-command: the packages of an install."""
        sub = self.subcommand
        if sub is None:
            return []
        i = next(k for k, w in enumerate(self.operands) if w is sub)
        return self.operands[i + 1:]

    def has(self, *names: str) -> bool:
        """Any option named one of ``names`` (short letters or long names)."""
        return any(o.name in names for o in self.opts)

    def values(self, *names: str) -> list[str]:
        return [o.value for o in self.opts if o.name in names and o.value is not None]

    def count(self, *names: str) -> int:
        return sum(1 for o in self.opts if o.name in names)


def parse_options(cmd: ShellCommand, words: list[Word], spec: OptSpec) -> Parsed:
    """getopt-style parse of ``words`` (options may follow operands, as GNU
    getopt and the package managers allow)."""
    out = Parsed(cmd, words)
    i = 0
    n = len(words)
    only_operands = False
    while i < n:
        w = words[i]
        v = w.value
        i += 1
        # an option may hold an expansion (`--index-url=$URL`); `$X` / `"$X"` are operands
        if only_operands or not v.startswith("-") or v == "-":
            out.operands.append(w)
            continue
        if v == "--":
            only_operands = True
            continue
        if v.startswith("--"):
            name, eq, val = v[2:].partition("=")
            if eq:
                out.opts.append(Opt(name, val, w))
            elif name in spec.long_values and i < n:
                out.opts.append(Opt(name, words[i].value, w))
                i += 1
            else:
                out.opts.append(Opt(name, None, w))
            continue
        body = v[1:]
        k = 0
        while k < len(body):
            ch = body[k]
            rest = body[k + 1:]
            if rest.startswith("="):  # -q=2, -t=stable
                out.opts.append(Opt(ch, rest[1:], w))
                break
            if ch in spec.short_values:
                if rest:
                    out.opts.append(Opt(ch, rest, w))
                elif i < n:
                    out.opts.append(Opt(ch, words[i].value, w))
                    i += 1
                else:
                    out.opts.append(Opt(ch, None, w))
                break
            out.opts.append(Opt(ch, None, w))
            k += 1
    return out


def is_program(cmd: ShellCommand, *names: str) -> bool:
    return base_name(cmd.name) in names


# -- the commands a RUN runs -------------------------------------------------------

_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})
_SHELL_C = re.compile(r"-[a-z]*c")  # -c, -ec, -lc


def _exec_commands(ins: Instruction) -> list[ShellCommand]:
    """Exec form: the argv as one command; for ``["sh", "-c", "script"]`` also
    the commands of the script (when its JSON string has no escapes, so that
    positions map one to one)."""
    from dockwise.syntax.shell import line_map, parse_shell

    args = ins.args
    if not args:
        return []
    out = list(ins.shell.commands) if ins.shell is not None and ins.shell.dialect == "exec" else []
    if not out:  # Windows stage: the model leaves exec form unparsed
        words = [Word(a.value, a.value, a.span, "$" not in a.value) for a in args]
        out = [ShellCommand(args[0].value, words[1:], args[0].span.union(args[-1].span), args[0].span)]
    if base_name(args[0].value) in _SHELLS:
        for k in range(1, len(args) - 1):
            if not _SHELL_C.fullmatch(args[k].value):
                continue
            a = args[k + 1]
            sp = a.span
            if sp.start.line == sp.end.line and sp.end.col - sp.start.col == len(a.value) + 2:
                script = parse_shell(a.value, line_map(a.value, sp.start.line, sp.start.col + 1))
                out += script.commands
            break
    return out


def run_commands(ins: Instruction) -> list[ShellCommand]:
    """The simple commands of a RUN (``ins`` may be ``ONBUILD RUN``).

    Shell form and heredoc scripts: the model's commands. Exec form: the argv,
    plus the commands of ``["sh", "-c", "script"]``. In a Windows stage (cmd or
    PowerShell; the model does not parse those) the text is read as POSIX
    shell, as hadolint does: ``RUN pip install x`` is the same command there."""
    from dockwise.syntax.shell import parse_shell

    eff = ins.effective
    sh = eff.shell
    if sh is None:
        return []
    if eff.json:
        return _exec_commands(eff)
    if sh.dialect == "none":
        hit = _WINDOWS_CACHE.get(id(eff))
        if hit is not None and hit[0] is eff:
            return hit[1]
        cmds = parse_shell(eff.text, eff.text_map).commands
        if len(_WINDOWS_CACHE) >= 512:
            _WINDOWS_CACHE.clear()
        _WINDOWS_CACHE[id(eff)] = (eff, cmds)  # the entry keeps `eff` alive: its id stays unique
        return cmds
    return sh.commands


# Windows RUNs are parsed on demand; every rule asks for the same ones
_WINDOWS_CACHE: dict[int, tuple[Instruction, list[ShellCommand]]] = {}


def literal(word: Word) -> str:
    """The word's text outside expansions, quotes removed: ``foo=$V`` gives
    ``foo=``, ``$(cat /pkgs)`` gives ``""``. Pinning is judged on this, so that
    a ``/`` inside a command substitution does not read as a path."""
    if word.static:
        return word.value
    from dockwise.syntax.shell import unquote_word

    raw = _EXPANSION.sub(_keep_alternative, word.raw)
    return unquote_word(raw)


# $(…), `…`, ${NAME<op>word}, $NAME, $1
_EXPANSION = re.compile(
    r"\$\((?:[^()]|\([^()]*\))*\)|`[^`]*`"
    r"|\$\{[#!]?[A-Za-z_0-9@*]+(?:(:?[-+=?])([^}]*)|[^}]*)\}"
    r"|\$[A-Za-z_][A-Za-z0-9_]*|\$."
)


def _keep_alternative(m: re.Match[str]) -> str:
    """``${V:-curl}`` / ``${V:+==}``: keep the literal alternative (it may be
    the pin, as in ``klaus${V:+==}${V}``); drop every other expansion."""
    if m.group(1) and m.group(1)[-1] in "-+=":
        return m.group(2)
    return ""


# -- apt-get -------------------------------------------------------------------

APT_GET = OptSpec(
    short_values="otcaP",
    long_values=frozenset(
        {"option", "target-release", "default-release", "config-file", "host-architecture",
         "build-profiles"}
    ),
)


@per_command
def apt_get(cmd: ShellCommand) -> Parsed | None:
    """``apt-get …`` parsed; None for other commands (``apt`` is DL3027's business)."""
    if not is_program(cmd, "apt-get"):
        return None
    return parse_options(cmd, cmd.args, APT_GET)


@per_command
def apt_installs(cmd: ShellCommand) -> Parsed | None:
    """``apt-get [options] install …`` parsed, else None."""
    p = apt_get(cmd)
    if p is None or p.subcommand is None or p.subcommand.value != "install":
        return None
    return p


def apt_like(cmd: ShellCommand) -> Parsed | None:
    """``apt-get``, ``apt`` or ``aptitude`` parsed (for DL3009's ``update``)."""
    if not is_program(cmd, "apt-get", "apt", "aptitude"):
        return None
    return parse_options(cmd, cmd.args, APT_GET)


def apt_option_is(p: Parsed, key: str, accepted: tuple[str, ...]) -> bool:
    """``-o Key=value`` (key case-insensitive, quotes removed) with value in ``accepted``."""
    for val in p.values("o", "option"):
        k, eq, v = val.partition("=")
        if eq and k.strip().lower() == key.lower() and v.strip().strip("\"'").lower() in accepted:
            return True
    return False


# -- apk -------------------------------------------------------------------------

APK = OptSpec(
    short_values="tXp",
    long_values=frozenset(
        {"virtual", "repository", "root", "keys-dir", "repositories-file", "arch", "cache-dir",
         "cache-max-age", "timeout", "progress-fd", "wait"}
    ),
)


def apk_adds(cmd: ShellCommand) -> Parsed | None:
    """``apk [options] add …`` parsed, else None."""
    if not is_program(cmd, "apk"):
        return None
    p = parse_options(cmd, cmd.args, APK)
    if p.subcommand is None or p.subcommand.value != "add":
        return None
    return p


# -- pip -------------------------------------------------------------------------

# pip's general and `install` options that take a value (pip 24)
PIP = OptSpec(
    short_values="rcefibtC",
    long_values=frozenset(
        {"requirement", "constraint", "editable", "find-links", "index-url", "extra-index-url",
         "build", "target", "platform", "python-version", "implementation", "abi", "root",
         "prefix", "src", "upgrade-strategy", "install-option", "global-option", "config-settings",
         "no-binary", "only-binary", "progress-bar", "root-user-action", "report", "log",
         "log-file", "proxy", "retries", "timeout", "default-timeout", "exists-action",
         "trusted-host", "cert", "client-cert", "cache-dir", "keyring-provider", "use-feature",
         "use-deprecated", "python", "group"}
    ),
)
_PY_OPTS = OptSpec(short_values="XWcm", long_values=frozenset())
_PIP_NAME = re.compile(r"pip(-?[0-9][0-9.]*)?")
_PYTHON_NAME = re.compile(r"python[0-9.]*")


@per_command
def pip_argv(cmd: ShellCommand) -> list[Word] | None:
    """The words pip receives: the args of ``pip``/``pip3``/``pip3.12``/``pip-3``, or
    what follows ``-m pip`` in ``python``/``python3``/``python3.12 [opts] -m pip``.
    None when the command is not pip (``pipx``/``pipenv`` are not pip)."""
    name = base_name(cmd.name)
    if _PIP_NAME.fullmatch(name):
        return cmd.args
    if not _PYTHON_NAME.fullmatch(name):
        return None
    args = cmd.args
    i = 0
    while i < len(args):
        v = args[i].value
        if v == "-m":
            return args[i + 2:] if i + 1 < len(args) and args[i + 1].value == "pip" else None
        if v == "-mpip":
            return args[i + 1:]
        if not v.startswith("-") or v == "-" or v == "-c" or v.startswith("-c"):
            return None  # a script or -c code: not pip
        if v in ("-X", "-W"):
            i += 1
        i += 1
    return None


def pip_installs(cmd: ShellCommand) -> Parsed | None:
    """``pip install …`` (any spelling of pip, see :func:`pip_argv`) parsed, else None."""
    argv = pip_argv(cmd)
    if argv is None:
        return None
    p = parse_options(cmd, argv, PIP)
    if p.subcommand is None or p.subcommand.value != "install":
        return None
    return p


def is_pip_install(cmd: ShellCommand) -> bool:
    return pip_installs(cmd) is not None


def pipx_installs(cmd: ShellCommand) -> Parsed | None:
    """``pipx install …`` (checked by DL3013 only, as hadolint does)."""
    if not is_program(cmd, "pipx"):
        return None
    p = parse_options(cmd, cmd.args, OptSpec("", frozenset({"python", "pip-args", "index-url", "suffix"})))
    if p.subcommand is None or p.subcommand.value != "install":
        return None
    return p


# -- npm -------------------------------------------------------------------------

NPM = OptSpec(
    short_values="wC",
    long_values=frozenset(
        {"loglevel", "registry", "prefix", "workspace", "cache", "userconfig", "globalconfig",
         "tag", "omit", "include", "install-strategy", "fetch-retries", "fetch-timeout",
         "location", "before", "scope", "python"}
    ),
)


def npm_installs(cmd: ShellCommand) -> Parsed | None:
    """``npm [options] install …`` parsed, else None. hadolint checks only the
    ``install`` spelling, not ``npm i`` / ``npm add``; so does this."""
    if not is_program(cmd, "npm"):
        return None
    p = parse_options(cmd, cmd.args, NPM)
    if p.subcommand is None or p.subcommand.value != "install":
        return None
    return p


# -- variables -------------------------------------------------------------------

_VAR_WORD = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def expand_packages(df: Dockerfile, ins: Instruction, word: Word) -> list[str] | None:
    """A word that is exactly ``$NAME`` / ``${NAME}`` (quoted or not) whose
    ARG/ENV value is known where the RUN runs: the packages it word-splits
    into. None when the word is anything else or the value is unknown."""
    raw = word.raw
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        raw = raw[1:-1]
    m = _VAR_WORD.fullmatch(raw)
    if m is None:
        return None
    name = m.group(1) or m.group(2)
    v = df.lookup_var(df.stage_of(ins), name, ins.index)
    if v is None or v.value is None or "$" in v.value:
        return None
    return v.value.split()


# -- mounts ----------------------------------------------------------------------


def cache_mount_covers(ins: Instruction, fragment: str) -> bool:
    """A cache or tmpfs mount whose target contains ``fragment`` (hadolint's test)."""
    return any(fragment in t for t in cache_mount_targets(ins))


# -- edits -----------------------------------------------------------------------


def insert_after(ins: Instruction, word: Word, option: str) -> Edit:
    """Insert ``option`` as a new argument right after ``word``: `` -y`` in shell
    form and heredoc scripts, ``, "-y"`` in exec form."""
    at = word.span.end
    eff = ins.effective
    if eff.json and any(a.span == word.span for a in eff.args):  # an argv element, not `sh -c` text
        return Edit(Span(at, at), f', "{option}"')
    return Edit(Span(at, at), f" {option}")


def end_of_text(ins: Instruction) -> Pos:
    """Position just after the last non-blank character of the (effective)
    instruction's logical text."""
    eff = ins.effective
    n = len(eff.text.rstrip())
    return eff.text_map.end_pos(n)


def unpinned_findings(df, ins, words, pinned, label: str, syntax: str, direct) -> list:
    """Findings for the package words of one install that are not pinned.

    ``pinned(text)`` decides for one package; a word that is exactly ``$VAR``
    is looked up in the stage's ARG/ENV (``expand_packages``) and flagged when
    any package it holds is unpinned. ``label`` names the tool in the message
    ("apk add"), ``syntax`` is the pinned form ("<package>=<version>"),
    ``direct(word)`` the message for a plain unpinned word."""
    from ._api import Finding

    out = []
    for w in words:
        if pinned(literal(w)):
            continue
        pkgs = expand_packages(df, ins, w)
        if pkgs is not None:
            loose = [x for x in pkgs if not pinned(x)]
            if not loose:
                continue
            msg = f"Pin versions in {label}. `{w.raw}` holds unpinned packages ({', '.join(loose)}); use `{syntax}`"
        else:
            msg = direct(w)
        out.append(Finding(w.span, msg))
    return out

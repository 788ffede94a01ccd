"""The one command view of a RUN: every command it runs, wrappers seen through.

Every rule, fix and editor action reads a RUN's commands here, so that they all
agree on what ``sudo env X=1 apt-get -qy install curl`` or
``bash -c "apt-get update"`` runs::

    from dockwise.syntax.commands import run_view

    view = run_view(ins)               # a RUN or ONBUILD RUN; anything else gives an empty view
    for c in view.commands:            # source order; `sh -c` strings and $(…) included
        if c.name == "apt-get" and c.sub == "install" and not c.has_flag("y", "yes"):
            report(c.span)             # the command as written, wrappers included

:class:`RunView` (``run_view(ins)``)
    ``commands`` (list of :class:`Command`), ``dialect`` (``"bash"`` shell form or
    heredoc script, ``"exec"`` JSON form, ``"windows"`` cmd/PowerShell read with a
    crude tokenizer, ``"none"`` nothing we read: a script for another interpreter),
    ``ok`` (the shell parsed without errors), ``mounts``
    (list of :class:`Mount`), ``named(*names)``, ``first(*names)``,
    ``cache_mounted(path)``.
:class:`Command`
    ``name`` (basename of the program actually run, ``apt-get``), ``args``
    (:class:`~dockwise.syntax.model.Word` list after the program), ``span`` (the
    simple command as written, wrappers and ``VAR=x`` prefixes included),
    ``name_span``, ``program`` (the program word as written, ``/usr/bin/apt-get``),
    ``wrappers`` (basenames seen through, outermost first: ``("sudo", "env")``;
    ``("python3",)`` for ``python3 -m pip``), ``assignments`` (``VAR=x`` given to it,
    by prefix or by ``env``), ``shell`` (for a command of an ``sh -c`` string: the
    shell command), ``exact`` (spans are exact; False inside an ``sh -c`` string
    with escapes, where every span is the string's: offer no edit then),
    ``simple`` (the parsed :class:`~dockwise.syntax.model.ShellCommand`).
    Joins: ``op`` (``&&``, ``||``, ``;``, ``&``, ``|``, ``|&`` or ``""``, the operator
    before it), ``in_pipe``, ``pipeline``, ``background``, ``subshell``,
    ``substitution``, ``negated`` (within its own script).
    Arguments: ``options(spec=None)`` (getopt-style :class:`Options`; the spec of a
    known program comes from :data:`OPTION_SPECS`), ``sub`` / ``sub_word`` (the
    sub-command: first static operand), ``operands``, ``positional``,
    ``has_flag(*names)`` (``-qy`` has ``q`` and ``y``; long names without dashes),
    ``flag_values(*names)`` (``--opt=v``, ``--opt v``, ``-ov``, ``-o v``),
    ``has_arg(*values)``, ``argv``, ``values``, ``under(wrapper)``.
:func:`shell_in_effect` (``df, ins``)
    The ``SHELL`` argv a shell-form instruction runs with (``["/bin/sh", "-c"]``
    by default).

The view is built once per instruction, on first use, and kept on its
:class:`~dockwise.syntax.model.ShellScript`, which the parser reuses with the
instruction while its lines do not change; :func:`per_command` memoises derived
facts on a command the same way. Nothing here knows package managers: that is
``dockwise.rules._pm``.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Callable, Iterator, TypeVar

from dockwise import lazyre
from dockwise.syntax.model import Dockerfile, Flag, Instruction, Pos, ShellCommand, ShellScript, SourceMap, Span, Word

__all__ = [
    "Command", "Mount", "OPTION_SPECS", "Opt", "OptSpec", "Options", "RunView", "basename", "parse_options",
    "SHELLS", "per_command", "parse_mounts", "run_view", "shell_in_effect", "spec_for", "unwrap",
]


def basename(program: str) -> str:
    """``/usr/bin/apt-get`` → ``apt-get``."""
    return posixpath.basename(program) if "/" in program else program


# -- options ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OptSpec:
    """Which options of a program take a value (given in the same or the next word)."""

    short_values: str = ""  # short option letters that take a value: "otc"
    long_values: frozenset[str] = frozenset()  # long option names (no dashes) that take a value


@dataclass(frozen=True, slots=True)
class Opt:
    """One option occurrence: ``-y`` is Opt("y"), ``--quiet=2`` is Opt("quiet", "2")."""

    name: str
    value: str | None
    word: Word  # the word holding the option (its span is where to report or edit)


@dataclass(slots=True)
class Options:
    """A command's arguments split into options and operands (option values excluded)."""

    opts: list[Opt] = field(default_factory=list)
    operands: list[Word] = field(default_factory=list)

    @property
    def subcommand(self) -> Word | None:
        """The first static operand (``apt-get $OPTS install`` → ``install``)."""
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
        """Any option named one of ``names`` (short letters or long names, no dashes)."""
        return any(o.name in names for o in self.opts)

    def values(self, *names: str) -> list[str]:
        return [o.value for o in self.opts if o.name in names and o.value is not None]

    def count(self, *names: str) -> int:
        return sum(1 for o in self.opts if o.name in names)


def parse_options(words: list[Word], spec: OptSpec = OptSpec(), stop_at_operand: bool = False) -> Options:
    """getopt-style parse of ``words``: options may follow operands (as GNU getopt
    and the package managers allow) unless ``stop_at_operand``; ``--`` ends the
    options; ``-`` is an operand; a word holding an expansion is an option only
    when it starts with ``-``."""
    out = Options()
    i = 0
    n = len(words)
    only_operands = False
    while i < n:
        w = words[i]
        v = w.value
        i += 1
        if only_operands or not v.startswith("-") or v == "-":
            out.operands.append(w)
            if stop_at_operand:
                only_operands = True
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


def _spec(short: str = "", *long: str) -> OptSpec:
    return OptSpec(short, frozenset(long))


_APT = _spec("otcaP", "option", "target-release", "default-release", "config-file", "host-architecture",
             "build-profiles")
_RPM = _spec("cdexR", "config", "debuglevel", "errorlevel", "installroot", "releasever", "setopt", "enablerepo",
             "disablerepo", "repo", "repoid", "exclude", "excludepkgs", "disableexcludes", "disableplugin",
             "enableplugin", "forcearch", "randomwait", "color", "downloaddir", "destdir", "rpmverbosity",
             "repofrompath", "comment", "advisory", "advisories", "bz", "bzs", "cve", "cves", "sec-severity",
             "secseverity")

# Options that take a value, per program (by basename). Programs not listed are
# parsed with no value-taking options. Add a program here (additive) when a rule
# needs its operands; a rule may also pass its own spec to Command.options().
OPTION_SPECS: dict[str, OptSpec] = {
    "apt-get": _APT, "apt": _APT, "aptitude": _APT, "apt-cache": _APT,
    "apk": _spec("tXp", "virtual", "repository", "root", "keys-dir", "repositories-file", "arch", "cache-dir",
                 "cache-max-age", "timeout", "progress-fd", "wait"),
    "yum": _RPM, "dnf": _RPM, "dnf5": _RPM, "microdnf": _RPM, "tdnf": _RPM,
    "zypper": _spec("cRDC", "config", "root", "reposd-dir", "cache-dir", "raw-cache-dir", "solv-cache-dir",
                    "pkg-cache-dir", "userdata", "installroot"),
    # pip's general and `install` options (pip 24); every spelling of pip maps here
    "pip": _spec("rcefibtC", "requirement", "constraint", "editable", "find-links", "index-url",
                 "extra-index-url", "build", "target", "platform", "python-version", "implementation", "abi",
                 "root", "prefix", "src", "upgrade-strategy", "install-option", "global-option",
                 "config-settings", "no-binary", "only-binary", "progress-bar", "root-user-action", "report", "log",
                 "log-file", "proxy", "retries", "timeout", "default-timeout", "exists-action", "trusted-host",
                 "cert", "client-cert", "cache-dir", "keyring-provider", "use-feature", "use-deprecated", "python",
                 "group"),
    "pipx": _spec("", "python", "pip-args", "index-url", "suffix"),
    "npm": _spec("wC", "loglevel", "registry", "prefix", "workspace", "cache", "userconfig", "globalconfig", "tag",
                 "omit", "include", "install-strategy", "fetch-retries", "fetch-timeout", "location", "before",
                 "scope", "python"),
    "yarn": _spec("", "cwd", "cache-folder", "modules-folder", "mutex", "network-timeout", "registry",
                  "global-folder", "link-folder", "preferred-cache-folder", "use-yarnrc", "otp", "proxy",
                  "https-proxy", "network-concurrency"),
    "gem": _spec("vinspP", "version", "install-dir", "bindir", "source", "http-proxy", "platform", "trust-policy"),
    "curl": _spec("oHdXuAeFTwrKmbcxEUzYyCt", "output", "header", "data", "data-raw", "data-binary",
                  "data-urlencode", "request", "user", "user-agent", "referer", "form", "upload-file", "write-out",
                  "range", "config", "max-time", "cookie", "cookie-jar", "proxy", "cert", "retry", "retry-delay",
                  "retry-max-time", "connect-timeout", "output-dir", "url", "resolve", "cacert", "key"),
    "wget": _spec("OoPaTtwUeQliBDARIX", "output-document", "output-file", "directory-prefix", "append-output",
                  "timeout", "tries", "wait", "user-agent", "execute", "quota", "level", "input-file", "base",
                  "domains", "accept", "reject", "header", "post-data", "post-file", "user", "password",
                  "http-user", "http-password", "ca-certificate", "certificate", "private-key", "load-cookies",
                  "save-cookies", "referer"),
    "tar": _spec("fCTXbgKNVL", "file", "directory", "exclude", "transform", "owner", "group", "mode",
                 "files-from", "exclude-from"),
    "useradd": _spec("ugGdsckefpK", "uid", "gid", "groups", "home-dir", "shell", "comment", "skel", "expiredate",
                     "inactive", "password", "key"),
    "adduser": _spec("ugsdhGkK", "uid", "gid", "shell", "home", "gecos", "ingroup", "conf", "firstuid", "lastuid"),
}
_PIP_NAME = lazyre.compile(r"pip(-?[0-9][0-9.]*)?")
_PYTHON_NAME = lazyre.compile(r"python[0-9.]*")


def spec_for(name: str) -> OptSpec:
    """The option spec of a program by basename (``pip3.12`` is pip)."""
    got = OPTION_SPECS.get(name)
    if got is not None:
        return got
    if _PIP_NAME.fullmatch(name):
        return OPTION_SPECS["pip"]
    return _NO_SPEC


_NO_SPEC = OptSpec()


# -- one command --------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class Command:
    """One command a RUN runs, wrappers removed (see the module docs)."""

    name: str
    args: list[Word]
    span: Span
    name_span: Span
    simple: ShellCommand
    program: str = ""
    wrappers: tuple[str, ...] = ()
    assignments: tuple[str, ...] = ()
    shell: "Command | None" = None
    exact: bool = True
    memo: dict | None = field(default=None, repr=False)

    # joins (within the command's own script) ---------------------------------
    @property
    def op(self) -> str:
        return self.simple.op

    @property
    def in_pipe(self) -> bool:
        return self.simple.in_pipe

    @property
    def pipeline(self) -> int:
        return self.simple.pipeline

    @property
    def background(self) -> bool:
        return self.simple.background

    @property
    def subshell(self) -> bool:
        return self.simple.subshell

    @property
    def substitution(self) -> bool:
        return self.simple.substitution

    @property
    def negated(self) -> bool:
        return self.simple.negated

    @property
    def in_string(self) -> bool:
        """A command of an ``sh -c "…"`` string."""
        return self.shell is not None

    def under(self, wrapper: str) -> bool:
        """``wrapper`` is among the wrappers of this command or of a shell running it."""
        c: Command | None = self
        while c is not None:
            if wrapper in c.wrappers:
                return True
            c = c.shell
        return False

    # words -------------------------------------------------------------------
    @property
    def values(self) -> list[str]:
        return [w.value for w in self.args]

    @property
    def argv(self) -> list[str]:
        return [self.program or self.name, *(w.value for w in self.args)]

    def has_arg(self, *values: str) -> bool:
        return any(w.value in values for w in self.args)

    def options(self, spec: OptSpec | None = None) -> Options:
        """The arguments parsed with ``spec`` (default: the program's entry in
        :data:`OPTION_SPECS`); cached per spec."""
        if spec is None:
            spec = spec_for(self.name)
        memo = self.memo
        if memo is None:
            memo = self.memo = {}
        key = ("options", spec)
        got = memo.get(key)
        if got is None:
            got = memo[key] = parse_options(self.args, spec)
        return got

    @property
    def sub_word(self) -> Word | None:
        """The sub-command word: the first static operand (``install`` in ``apt-get -y install x``)."""
        return self.options().subcommand

    @property
    def sub(self) -> str | None:
        w = self.options().subcommand
        return w.value if w is not None else None

    @property
    def operands(self) -> list[Word]:
        """Arguments that are neither options nor option values."""
        return self.options().operands

    @property
    def positional(self) -> list[str]:
        return [w.value for w in self.options().operands]

    def has_flag(self, *names: str) -> bool:
        """Any option named one of ``names``: short letters (``"y"`` matches ``-y``
        and ``-qy``) or long names without dashes (``"yes"``, ``"no-cache"``)."""
        return self.options().has(*names)

    def flag_values(self, *names: str) -> list[str]:
        """Values of the options named ``names`` (``--opt=v``, ``--opt v``, ``-ov``, ``-o v``)."""
        return self.options().values(*names)


_T = TypeVar("_T")


def per_command(fn: Callable[[Command], _T]) -> Callable[[Command], _T]:
    """Memoise ``fn(cmd)`` on the command. For facts that depend on the command
    alone: commands survive incremental re-parses with their instruction, so
    every rule and every keystroke after the first gets the cached value."""
    key = f"{fn.__module__}.{fn.__qualname__}"

    def wrapper(cmd: Command) -> _T:
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
    wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrapper


# -- wrappers ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Wrapper:
    spec: OptSpec = OptSpec()
    skip: int = 0  # operands before the command: `timeout 10 cmd`, `gosu user cmd`
    assigns: bool = False  # `env A=1 cmd`


_WRAPPERS: dict[str, _Wrapper] = {
    "sudo": _Wrapper(_spec("ugCDhprtUTR", "user", "group", "close-from", "chdir", "host", "prompt", "role", "type",
                           "other-user", "command-timeout", "chroot")),
    "doas": _Wrapper(_spec("uC")),
    "env": _Wrapper(_spec("uCS", "unset", "chdir", "split-string"), assigns=True),
    "eatmydata": _Wrapper(),
    "nice": _Wrapper(_spec("n", "adjustment")),
    "ionice": _Wrapper(_spec("cnp", "class", "classdata", "pid", "pgid", "uid")),
    "nohup": _Wrapper(),
    "time": _Wrapper(_spec("fo", "format", "output")),
    "stdbuf": _Wrapper(_spec("ioe", "input", "output", "error")),
    "chronic": _Wrapper(),
    "fakeroot": _Wrapper(),
    "command": _Wrapper(),
    "exec": _Wrapper(_spec("a")),
    "xargs": _Wrapper(_spec("nIPLdEsa", "max-args", "replace", "max-procs", "max-lines", "delimiter", "eof",
                            "max-chars", "arg-file", "process-slot-var")),
    "timeout": _Wrapper(_spec("sk", "signal", "kill-after"), skip=1),
    "retry": _Wrapper(_spec("td", "times", "delay")),
    "gosu": _Wrapper(skip=1),
    "su-exec": _Wrapper(skip=1),
    "chroot": _Wrapper(_spec("", "userspec", "groups"), skip=1),
}
SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh"})
_ASSIGN = lazyre.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_MAX_STRING_DEPTH = 3


def _skip_wrapper(w: _Wrapper, args: list[Word], assigns: list[str]) -> int | None:
    """Index in ``args`` of the wrapped command's word; None when there is none."""
    spec = w.spec
    skip = w.skip
    i = 0
    n = len(args)
    while i < n:
        v = args[i].value
        if v == "--":
            i += 1
            break
        if v.startswith("-") and v != "-":
            if v.startswith("--"):
                name, eq, _ = v[2:].partition("=")
                i += 2 if (not eq and name in spec.long_values) else 1
                continue
            body = v[1:]
            for k, ch in enumerate(body):
                if ch in spec.short_values:
                    i += 1 if body[k + 1:] else 2
                    break
            else:
                i += 1
            continue
        if w.assigns and _ASSIGN.match(v):
            assigns.append(v)
            i += 1
            continue
        if skip:
            skip -= 1
            i += 1
            continue
        break
    while skip and i < n:  # `timeout -- 10 cmd`
        skip -= 1
        i += 1
    return i if i < n else None


def unwrap(sc: ShellCommand, shell: Command | None = None, exact: bool = True) -> Command:
    """The command ``sc`` runs: ``sudo -E env A=1 nice -n5 apt-get install x`` is
    apt-get (wrappers sudo, env, nice; assignment A=1); ``python3 -m pip install``
    is pip (wrapper python3). A wrapper with nothing after it is the command."""
    program = sc.name
    name_span = sc.name_span
    args = sc.args
    wrappers: list[str] = []
    assigns = list(sc.assignments)
    for _ in range(8):
        b = basename(program)
        w = _WRAPPERS.get(b)
        if w is not None:
            if b == "command" and args and args[0].value in ("-v", "-V"):
                break  # `command -v x` looks x up, it does not run it
            got = _skip_wrapper(w, args, assigns)
            if got is None:
                break
            wrappers.append(b)
            word = args[got]
            program, name_span, args = word.value, word.span, args[got + 1:]
            continue
        if _PYTHON_NAME.fullmatch(b):
            got = _python_module(args)
            if got is None:
                break
            k, module, span = got
            wrappers.append(b)
            program, name_span, args = module, span, args[k:]
            continue
        break
    return Command(basename(program), list(args), sc.span, name_span, sc, program, tuple(wrappers), tuple(assigns),
                   shell, exact)


def _python_module(args: list[Word]) -> tuple[int, str, Span] | None:
    """``[-X dev] -m pip …``: (index of the module's first argument, module, its span)."""
    i = 0
    while i < len(args):
        v = args[i].value
        if v == "-m":
            return (i + 2, args[i + 1].value, args[i + 1].span) if i + 1 < len(args) else None
        if v.startswith("-m") and not v.startswith("--"):
            return i + 1, v[2:], args[i].span
        if not v.startswith("-") or v == "-" or v.startswith("-c"):
            return None  # a script or -c code
        i += 2 if v in ("-X", "-W") else 1
    return None


def _shell_string(c: Command) -> Word | None:
    """The script word of ``sh -c 'script'`` / ``bash -ec "…"``; None otherwise."""
    if c.name not in SHELLS:
        return None
    args = c.args
    i = 0
    while i < len(args):
        v = args[i].value
        if v in ("-o", "+o", "-O", "+O"):
            i += 2
            continue
        if not v.startswith(("-", "+")) or v in ("-", "--"):
            return None
        if not v.startswith("--") and "c" in v[1:]:
            return args[i + 1] if i + 1 < len(args) and args[i + 1].static else None
        i += 1
    return None


# -- the view of a RUN ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mount:
    """One ``--mount`` of a RUN: keys lower-cased, ``type`` defaults to bind."""

    type: str
    target: str | None
    source: str | None
    options: dict[str, str]
    flag: Flag

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.options.get(key, default)

    @property
    def cache(self) -> bool:
        """A cache or tmpfs mount: what is written under it stays out of the image."""
        return self.type in ("cache", "tmpfs")

    def covers(self, path: str) -> bool:
        """The target is ``path`` or a folder holding it."""
        t = _norm_dir(self.target or "")
        p = _norm_dir(path)
        return bool(t) and (p == t or p.startswith(t.rstrip("/") + "/"))


def _norm_dir(path: str) -> str:
    p = path.strip()
    while len(p) > 1 and p.endswith("/"):
        p = p[:-1]
    return p


def parse_mounts(ins: Instruction) -> list[Mount]:
    out = []
    for f in ins.flags:
        if f.name != "mount":
            continue
        d: dict[str, str] = {}
        for part in (f.value or "").split(","):
            k, eq, val = part.partition("=")
            d[k.strip().lower()] = val.strip() if eq else "true"
        typ = (d.get("type") or "bind").lower()
        d["type"] = typ
        target = d.get("target") or d.get("dst") or d.get("destination")
        source = d.get("source") or d.get("src")
        out.append(Mount(typ, target, source, d, f))
    return out


@dataclass(eq=False, slots=True)
class RunView:
    """The commands of one RUN (see the module docs)."""

    commands: list[Command]
    dialect: str
    ok: bool
    mounts: list[Mount]

    def __iter__(self) -> Iterator[Command]:
        return iter(self.commands)

    def named(self, *names: str) -> list[Command]:
        """Commands whose program (basename, wrappers removed) is one of ``names``."""
        return [c for c in self.commands if c.name in names]

    def first(self, *names: str) -> Command | None:
        for c in self.commands:
            if c.name in names:
                return c
        return None

    @property
    def simple(self) -> list[Command]:
        """The commands of the RUN's own script (not those of ``sh -c`` strings)."""
        return [c for c in self.commands if c.shell is None]

    def cache_mounted(self, path: str) -> bool:
        """A cache or tmpfs mount covers ``path`` (writes there stay out of the image)."""
        return any(m.cache and m.covers(path) for m in self.mounts)

    @property
    def cache_targets(self) -> list[str]:
        return [m.target for m in self.mounts if m.cache and m.target]

    def shift(self, d: int, seen: set) -> None:
        """Move every position ``d`` lines, in place (``model.shift`` calls this for
        the view of a RUN it moves; ``seen``: ids of the objects already moved, such
        as the RUN's own words and shell commands). Per-command memos stay: they
        hold the commands' own words, which move here, and no positions of their own."""
        ms = _shift_span
        for c in self.commands:
            c.span = ms(c.span, d)
            c.name_span = ms(c.name_span, d)
            for w in c.args:
                if id(w) not in seen:
                    seen.add(id(w))
                    w.span = ms(w.span, d)
            sc = c.simple
            if id(sc) not in seen:  # a command of an ``sh -c`` string
                seen.add(id(sc))
                sc.span = ms(sc.span, d)
                sc.name_span = ms(sc.name_span, d)
                for w in sc.args:
                    if id(w) not in seen:
                        seen.add(id(w))
                        w.span = ms(w.span, d)


def _shift_span(s: Span, d: int) -> Span:
    a, b = s
    return Span(Pos(a[0] + d, a[1]), Pos(b[0] + d, b[1]))


_WINDOWS_BASE = ("windows", "nanoserver", "servercore", "ltsc")


def shell_in_effect(df: Dockerfile, ins: Instruction) -> list[str]:
    """The shell a shell-form RUN/CMD/ENTRYPOINT at ``ins`` runs with: the last
    ``SHELL`` before it in its stage, else the last of the nearest stage it is
    built FROM, else ``["cmd", "/S", "/C"]`` on a Windows base image and
    ``["/bin/sh", "-c"]`` otherwise (``RunView.dialect`` says which kind)."""
    stage = df.stage_of(ins)
    chain = df.stage_chain(stage) if stage is not None else []
    for st in chain:
        shells = [i for i in df.stage_instructions(st)
                  if i.keyword == "SHELL" and i.json and i.args and (st is not stage or i.index < ins.index)]
        if shells:
            return [a.value for a in shells[-1].args]
    root = chain[-1] if chain else None
    base = (root.base.resolved if root is not None and root.base else "").lower()
    return ["cmd", "/S", "/C"] if any(w in base for w in _WINDOWS_BASE) else ["/bin/sh", "-c"]


def run_view(ins: Instruction) -> RunView:
    """The command view of a RUN or ONBUILD RUN (empty for other instructions)."""
    eff = ins.effective
    sh = eff.shell
    if eff.keyword != "RUN" or sh is None:
        return RunView([], "none", True, parse_mounts(eff) if eff.keyword == "RUN" else [])
    view = sh.view
    if isinstance(view, RunView):
        return view
    view = _build(eff, sh)
    sh.view = view
    return view


def _build(eff: Instruction, sh: ShellScript) -> RunView:
    mounts = parse_mounts(eff)
    if sh.windows:
        return RunView(_windows(eff), "windows", True, mounts)
    if sh.dialect not in ("bash", "exec"):
        return RunView([], "none", True, mounts)
    out: list[Command] = []
    for sc in sh.commands:
        _add(out, unwrap(sc), sh, 0)
    return RunView(out, sh.dialect, sh.ok, mounts)


def _add(out: list[Command], c: Command, sh: ShellScript, depth: int) -> None:
    out.append(c)
    if depth >= _MAX_STRING_DEPTH:
        return
    w = _shell_string(c)
    if w is None or not w.value.strip():
        return
    from dockwise.syntax.shell import line_map, parse_shell

    smap, exact = _string_map(w, sh) if c.exact else (None, False)
    if smap is None:
        exact = False
        smap = line_map(w.value, w.span.start.line, w.span.start.col)
    inner = parse_shell(w.value, smap)
    for sc in inner.commands:
        if not exact:
            sc = _coarse(sc, w.span)
        _add(out, unwrap(sc, c, exact), inner, depth + 1)


def _string_map(w: Word, sh: ShellScript) -> tuple[SourceMap | None, bool]:
    """A map from offsets of the string's value to file positions, when each
    character of the value is one character of the file (no escapes)."""
    from dockwise.syntax.shell import line_map

    raw, value = w.raw, w.value
    if raw == value:
        q = 0
    elif len(raw) >= 2 and raw[0] in "'\"" and raw[-1] == raw[0] and raw[1:-1] == value:
        q = 1
    else:
        return None, False
    if sh.smap is not None:
        off = sh.smap.offset(w.span.start)
        if off is None or sh.text[off:off + len(raw)] != raw:
            return None, False
        return sh.smap.shifted(off + q), True
    # exec form: a JSON string; one to one only without escapes, on one line
    sp = w.span
    if sp.start.line == sp.end.line and sp.end.col - sp.start.col == len(value) + 2:
        return line_map(value, sp.start.line, sp.start.col + 1), True
    return None, False


def _coarse(sc: ShellCommand, span: Span) -> ShellCommand:
    args = [Word(a.value, a.raw, span, a.static) for a in sc.args]
    return ShellCommand(sc.name, args, span, span, sc.assignments, sc.pipeline, sc.in_pipe, sc.background,
                        sc.subshell, sc.negated, None, sc.op, sc.substitution)


# -- cmd / PowerShell: a crude tokenizer --------------------------------------------------

_SEP = lazyre.compile(r"&&|\|\||[;|&\n\r]")
_TOKEN = lazyre.compile(r"""'[^']*'|"[^"]*"|[^\s'"]+""")
_WIN_SHELL_SCRIPT = lazyre.compile(r"(?i)/[ck]|-c|-command")


def _crude(text: str, span_of: Callable[[int, int], Span]) -> list[Command]:
    """Commands of a cmd/PowerShell script: split on separators, then on blanks.
    Names are lower-cased basenames; nothing is unwrapped."""
    out: list[Command] = []
    pos = 0
    op = ""
    for m in [*_SEP.finditer(text), None]:
        end = m.start() if m else len(text)
        seg = text[pos:end]
        toks = [(t.group(0), pos + t.start(), pos + t.end()) for t in _TOKEN.finditer(seg)]
        pos = m.end() if m else len(text)
        toks = [t for t in toks if t[0] not in ("&", "@")]
        if toks:
            words = []
            for raw, s, e in toks:
                val = raw[1:-1] if len(raw) >= 2 and raw[0] in "'\"" and raw[-1] == raw[0] else raw
                words.append(Word(val.rstrip(","), raw, span_of(s, e), "$" not in raw))
            first = words[0]
            program = first.value.replace("\\", "/")
            span = span_of(toks[0][1], toks[-1][2])
            sc = ShellCommand(first.value, words[1:], span, first.span, op=op)
            out.append(Command(basename(program).lower(), words[1:], span, first.span, sc, program))
        op = (m.group(0) if m else "").replace("\r", ";").replace("\n", ";")
    return out


def _windows(eff: Instruction) -> list[Command]:
    from dockwise.syntax.shell import line_map

    if eff.json:
        args = eff.args
        if not args:
            return []
        words = [Word(a.value, a.value, a.span, "$" not in a.value) for a in args]
        span = args[0].span.union(args[-1].span)
        sc = ShellCommand(args[0].value, words[1:], span, args[0].span)
        program = args[0].value.replace("\\", "/")
        out = [Command(basename(program).lower(), words[1:], span, args[0].span, sc, program)]
        # ["cmd", "/S", "/C", "msiexec …"], ["powershell", "-Command", "…"]: the script's commands
        for k, a in enumerate(args[1:-1], 1):
            if _WIN_SHELL_SCRIPT.fullmatch(a.value):
                for b in args[k + 1:]:
                    out += _crude(b.value, _arg_spanner(b))
                break
        return out
    out = _crude(eff.text, eff.text_map.span)
    for h in eff.heredocs:
        if h.body and h.body_span is not None:
            out += _crude(h.body, line_map(h.body, h.body_span.start.line, h.body_span.start.col).span)
    return out


def _arg_spanner(a) -> Callable[[int, int], Span]:
    s = a.span

    def span(i: int, j: int) -> Span:
        if s.start.line != s.end.line or s.end.col - s.start.col != len(a.value) + 2:
            return s
        base = s.start.col + 1  # after the opening quote
        return Span.of(s.start.line, base + i, s.start.line, base + j)

    return span

"""Package-manager knowledge, read from the one command view.

What counts as an install, an index update, a cleanup, a package word … for
apt-get/apt/aptitude, apk, yum/dnf/microdnf/tdnf, zypper, pip, pipx, npm, yarn
and friends. Every predicate takes a :class:`~dockwise.syntax.commands.Command`
(wrappers already removed: ``sudo apt-get install`` and
``bash -c "apt-get install …"`` are apt-get installs) or a RunView; nothing here
parses shell. Option grammars (which options take a value) live with the view
in ``dockwise.syntax.commands.OPTION_SPECS``.
"""
from __future__ import annotations

import bisect
import posixpath
import re
from typing import Callable, Iterable

from dockwise import lazyre
from dockwise.syntax.commands import Command, Options, RunView, per_command, run_view
from dockwise.syntax.model import Dockerfile, Instruction, Word

APT = frozenset({"apt-get", "apt", "aptitude"})
APK = frozenset({"apk"})
RPM = frozenset({"yum", "dnf", "dnf5", "microdnf", "tdnf"})
ZYPPER = frozenset({"zypper"})
FAMILIES = {"apt": APT, "apk": APK, "rpm": RPM, "zypper": ZYPPER}
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})


def family(c: Command) -> str | None:
    """"apt", "apk", "rpm" or "zypper" for an OS package manager, else None."""
    for fam, names in FAMILIES.items():
        if c.name in names:
            return fam
    return None


def _known_sub(c: Command, known: frozenset[str]) -> list[str]:
    """Operands from the first one that is a known sub-command of the tool on
    (``["install", "x"]``); [] when none is."""
    pos = c.positional
    for i, v in enumerate(pos):
        if v in known:
            return pos[i:]
    return []


# -- apt ---------------------------------------------------------------------------

LISTS = "/var/lib/apt/lists"
# apt sub-commands that read the package lists
_APT_USES = frozenset({"install", "reinstall", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source",
                       "download", "safe-upgrade", "satisfy"})
# sub-commands that work without package lists
_APT_LISTS_FREE = frozenset({"update", "clean", "autoclean", "auto-clean", "distclean", "dist-clean", "remove",
                             "purge", "autoremove", "auto-remove"})


@per_command
def apt_installs(c: Command) -> Options | None:
    """``apt-get [options] install …`` parsed, else None (``apt`` is DL3027's business)."""
    if c.name != "apt-get" or c.sub != "install":
        return None
    return c.options()


def apt_option_is(p: Options, key: str, accepted: tuple[str, ...]) -> bool:
    """``-o Key=value`` (key case-insensitive, quotes removed) with value in ``accepted``."""
    for val in p.values("o", "option"):
        k, eq, v = val.partition("=")
        if eq and k.strip().lower() == key.lower() and v.strip().strip("\"'").lower() in accepted:
            return True
    return False


def apt_updates(c: Command) -> bool:
    """``apt-get update`` / ``apt update`` / ``aptitude update``."""
    return c.name in APT and c.sub == "update"


def uses_apt_lists(c: Command) -> bool:
    """An apt command that reads ``/var/lib/apt/lists``: an install, upgrade,
    ``source``…, or any ``apt-cache`` query (``apt-get clean``/``remove`` do not)."""
    sub = c.sub
    if sub is None:
        return False
    if c.name == "apt-cache":
        return True
    return c.name in APT and sub not in _APT_LISTS_FREE


def removes_apt_lists(c: Command) -> bool:
    """``rm -r /var/lib/apt/lists/*`` (or the folder, or ``/var/lib/apt``),
    ``apt-get distclean``. ``apt-get clean`` keeps the lists."""
    if c.name in APT:
        return c.sub in ("distclean", "dist-clean")
    return rm_removes(c, lambda p: _strip_glob(p) in (LISTS, "/var/lib/apt"))


def _strip_glob(path: str) -> str:
    while path.endswith("/*") or (path.endswith("/") and len(path) > 1):
        path = path[:-2] if path.endswith("/*") else path[:-1]
    return path


def apt_lists_kept_out(view: RunView) -> bool:
    """A cache or tmpfs mount over the lists (or over both /var/lib/apt and /var/cache/apt)."""
    targets = [t.rstrip("/") for t in view.cache_targets]
    return LISTS in targets or ("/var/lib/apt" in targets and "/var/cache/apt" in targets)


# -- apk, pip, npm: the hadolint rules' installs -------------------------------------


@per_command
def apk_adds(c: Command) -> Options | None:
    """``apk [options] add …`` parsed, else None."""
    return c.options() if c.name == "apk" and c.sub == "add" else None


_PIP_NAME = lazyre.compile(r"pip(-?[0-9][0-9.]*)?")


def is_pip(c: Command) -> bool:
    """pip in any spelling: ``pip``, ``pip3.12``, ``/opt/venv/bin/pip``, ``python3 -m pip``
    (``pipx``/``pipenv`` are not pip)."""
    return bool(_PIP_NAME.fullmatch(c.name))


@per_command
def pip_installs(c: Command) -> Options | None:
    """``pip install …`` parsed, else None."""
    return c.options() if is_pip(c) and c.sub == "install" else None


# where pip keeps its cache: root's, the home of $HOME, another user's
_PIP_CACHE_DIRS = ("/root/.cache/pip", "$HOME/.cache/pip", "${HOME}/.cache/pip", "~/.cache/pip")
_HOME_CACHE = lazyre.compile(r"/home/[^/$]+(/\.cache(/pip)?)?")


def pip_cache_mounted(view: RunView) -> bool:
    """A cache or tmpfs mount over pip's cache folder or one holding it:
    ``/root/.cache/pip``, ``/root/.cache``, ``$HOME/.cache/pip``, ``/home/app/.cache``,
    any target containing ``.cache/pip`` (with any ``id=``/``sharing=``)."""
    for t in view.cache_targets:
        t = t.strip().rstrip("/")
        if not t:
            continue
        if ".cache/pip" in t or _HOME_CACHE.fullmatch(t):
            return True
        if any(d == t or d.startswith(t + "/") for d in _PIP_CACHE_DIRS):
            return True
    return False


def pipx_installs(c: Command) -> Options | None:
    return c.options() if c.name == "pipx" and c.sub == "install" else None


def npm_installs(c: Command) -> Options | None:
    """``npm [options] install …`` parsed (hadolint checks only the ``install``
    spelling, not ``npm i``/``npm add``; so does this), else None."""
    return c.options() if c.name == "npm" and c.sub == "install" else None


_NPM_INSTALL = frozenset({"install", "i", "in", "isntall", "add", "ci", "clean-install", "install-clean", "ic"})


def npm_installs_any(c: Command) -> bool:
    """Any npm spelling that installs into the npm cache (``i``, ``add``, ``ci`` …)."""
    return c.name == "npm" and c.sub in _NPM_INSTALL


def npm_cache_cleans(c: Command) -> bool:
    if c.name == "npm":
        pos = c.positional
        return len(pos) > 1 and pos[0] == "cache" and pos[1] in ("clean", "clear", "rm")
    return rm_removes(c, lambda p: "/.npm/" in p + "/" or p.rstrip("/").endswith(".npm"))


# -- package words: pins and variables --------------------------------------------------


def literal(word: Word) -> str:
    """The word's text outside expansions, quotes removed: ``foo=$V`` gives
    ``foo=``, ``$(cat /pkgs)`` gives ``""``. Pinning is judged on this, so that
    a ``/`` inside a command substitution does not read as a path."""
    if word.static:
        return word.value
    from dockwise.syntax.shell import unquote_word

    return unquote_word(_EXPANSION.sub(_keep_alternative, word.raw))


# $(…), `…`, ${NAME<op>word}, $NAME, $1
_EXPANSION = lazyre.compile(
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


_VAR_WORD = lazyre.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


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
    v = df.lookup_var(df.stage_of(ins), m.group(1) or m.group(2), ins.index)
    if v is None or v.value is None or "$" in v.value:
        return None
    return v.value.split()


def unpinned_findings(df, ins, words, pinned, message: str) -> list:
    """Findings for the package words of one install that are not pinned.

    ``pinned(text)`` decides for one package; a word that is exactly ``$VAR``
    is looked up in the stage's ARG/ENV (``expand_packages``) and flagged when
    any package it holds is unpinned. ``message`` is hadolint's text for the
    rule; the finding's message is that text followed by the package, or by
    the variable and the unpinned packages it holds (so a grep for hadolint's
    message finds dockwise's findings too)."""
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
            msg = f"{message} ({w.raw} holds {', '.join(loose)})"
        else:
            msg = f"{message} ({w.value})"
        out.append(Finding(w.span, msg))
    return out


def package_name(spec: str) -> str:
    """``gcc=4:12.2.0-3`` → ``gcc``; ``gcc~=12`` → ``gcc``; ``python3-dev>=3`` → ``python3-dev``."""
    return re.split(r"[=<>~]", spec, maxsplit=1)[0]


# -- OS packages: installs, removals, the index ---------------------------------------

_RPM_INSTALLS = frozenset({"install", "groupinstall", "reinstall"})


def installed_packages(c: Command) -> tuple[str, list[Word]] | None:
    """``(family, package words)`` when ``c`` installs OS packages."""
    fam = family(c)
    if fam is None:
        return None
    ops = c.operands
    sub = ops[0].value if ops else None
    if (fam == "apt" and sub in ("install", "reinstall") or fam == "apk" and sub == "add"
            or fam == "rpm" and sub in _RPM_INSTALLS or fam == "zypper" and sub in ("install", "in")):
        return fam, ops[1:]
    return None


def apk_virtual(c: Command) -> str | None:
    """The ``--virtual NAME`` (``-t NAME``) of an ``apk add``."""
    got = c.flag_values("t", "virtual")
    return got[0] if got else None


def removed_packages(cs: list[Command]) -> tuple[set[str], bool]:
    """Package names removed by these commands, and whether an
    ``apt-mark auto`` + ``--auto-remove``/``autoremove`` purge removes every
    package installed after the mark (the Docker official images' idiom)."""
    names: set[str] = set()
    marked = any(c.name == "apt-mark" and c.sub == "auto" for c in cs)
    auto = False
    for c in cs:
        fam, ops = family(c), c.operands
        sub = ops[0].value if ops else None
        if fam == "apt" and sub in ("purge", "remove", "autoremove"):
            names |= {package_name(w.value) for w in ops[1:]}
            auto = auto or sub == "autoremove" or c.has_flag("auto-remove", "autoremove")
        elif fam == "apk" and sub == "del":
            names |= {w.value for w in ops[1:]}
        elif fam == "rpm" and sub in ("remove", "erase", "autoremove") or fam == "zypper" and sub in ("remove", "rm"):
            names |= {package_name(w.value) for w in ops[1:]}
    return names, marked and auto


def updates_index(c: Command) -> bool:
    """``apt-get update``, ``apk update``, ``yum/dnf makecache``, ``zypper refresh``."""
    fam = family(c)
    sub = c.sub
    if fam in ("apt", "apk"):
        return sub == "update"
    if fam == "rpm":
        return sub == "makecache"
    return fam == "zypper" and sub in ("refresh", "ref")


_USES = {
    "apt": _APT_USES - {"satisfy"},
    "apk": frozenset({"add", "upgrade", "fix", "fetch"}),
    "rpm": frozenset({"install", "groupinstall", "reinstall", "upgrade", "update", "downgrade", "distro-sync",
                      "group", "localinstall", "builddep"}),
    "zypper": frozenset({"install", "in", "update", "up", "dist-upgrade", "dup", "patch", "source-install", "si"}),
}
# helpers that install from the index themselves (Bitnami, jlesage base images, apt-fast)
INSTALL_HELPERS = frozenset({"install_packages", "add-pkg", "apt-fast", "apt-install"})


def uses_index(c: Command) -> bool:
    """A command that installs or upgrades from the package index."""
    fam = family(c)
    if fam is not None:
        ops = c.operands
        return bool(ops) and ops[0].value in _USES[fam]
    return c.name in INSTALL_HELPERS and bool(c.args)


_KNOWN_BINARIES = frozenset({"apt-get", "apt", "rm", "sh", "bash", "tar", "curl", "wget", "chmod", "chown", "mkdir",
                             "ln", "cp", "mv"})


def runs_unknown_script(c: Command) -> bool:
    """A command whose effect we cannot see: a script file, a shell reading
    a script or a pipe, make, or a command named by a variable."""
    n = c.name
    if not n:
        return False
    if "$" in n or "`" in n:
        return True
    if n.endswith((".sh", ".bash")) or (c.program.startswith(("./", "/")) and n not in _KNOWN_BINARIES):
        return True
    if n in _SHELLS:
        if any(w.value.startswith("-") and "c" in w.value[1:] and not w.value.startswith("--") for w in c.args):
            return False  # the -c string is read as nested commands
        return bool(c.positional) or c.in_pipe
    return n in ("make", "ansible-playbook", "ansible", "source", ".", "eval", "invoke", "task", "just", "cmake")


# -- caches: rpm, zypper, yarn --------------------------------------------------------

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


def rpm_installs(c: Command, tools: Iterable[str]) -> bool:
    """``yum install …`` / ``dnf -y upgrade`` / ``yum group install …`` by one of ``tools``."""
    if c.name not in tools:
        return False
    sub = _known_sub(c, _RPM_KNOWN)
    if not sub:
        return False
    if sub[0] in _RPM_GROUPS:
        return len(sub) > 1 and sub[1] in ("install", "in", "update", "upgrade", "up")
    return sub[0] in _RPM_INSTALL


def rpm_cleans_all(c: Command, tools: Iterable[str]) -> bool:
    """``<tool> clean all`` (not ``clean metadata`` or ``clean packages``)."""
    if c.name not in tools:
        return False
    sub = _known_sub(c, _RPM_KNOWN)
    return len(sub) > 1 and sub[0] == "clean" and "all" in sub[1:]


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


def zypper_installs(c: Command) -> bool:
    sub = _known_sub(c, _ZYPPER_KNOWN) if c.name == "zypper" else []
    return bool(sub) and sub[0] in _ZYPPER_INSTALL


def zypper_cleans(c: Command) -> bool:
    sub = _known_sub(c, _ZYPPER_KNOWN) if c.name == "zypper" else []
    return bool(sub) and sub[0] in _ZYPPER_CLEAN


def yarn_installs(c: Command) -> bool:
    """``yarn install …``, or a bare ``yarn`` / ``yarn --frozen-lockfile``
    (yarn's default command is install)."""
    if c.name != "yarn":
        return False
    pos = c.positional
    if not pos:
        return not c.has_arg("-v", "--version", "-h", "--help")
    return pos[0] == "install"


def yarn_cache_cleans(c: Command) -> bool:
    pos = c.positional if c.name == "yarn" else []
    return len(pos) > 1 and pos[0] == "cache" and pos[1] == "clean"


def yarn_dir(path: str) -> bool:
    return (
        ".cache/yarn" in path
        or "/.yarn/" in path + "/"
        or path.rstrip("/").endswith("yarn-cache")
        or "yarn cache dir" in path  # rm -rf "$(yarn cache dir)"
    )


def covers(path: str, cache_dirs: Iterable[str]) -> bool:
    """``path`` is one of the cache directories or an ancestor (``/var/cache``),
    possibly with a ``/*`` suffix, or names one with a glob suffix
    (``/var/cache/yum*``)."""
    raw = path.strip()
    glob_suffix = raw.endswith("*") and not raw.endswith("/*")
    p = raw
    while p.endswith("*") or (p.endswith("/") and len(p) > 1):
        p = p[:-1]
    p = posixpath.normpath(p) if p else ""
    if not p.startswith("/") or p == "/":
        return False
    return any(d == p or d.startswith(p + "/") or (glob_suffix and d.startswith(p)) for d in cache_dirs)


def rm_removes(c: Command, pred: Callable[[str], bool]) -> bool:
    """``rm -r`` (``-rf``, ``-R``, ``--recursive`` …) of a path satisfying ``pred``."""
    if c.name != "rm" or not c.has_flag("r", "R", "recursive"):
        return False
    return any(pred(w.value if w.static else _unquoted(w)) for w in c.operands)


def _unquoted(w: Word) -> str:
    from dockwise.syntax.shell import unquote_word

    return unquote_word(w.raw)


def rm_cache(c: Command, cache_dirs: Iterable[str]) -> bool:
    dirs = tuple(cache_dirs)
    return rm_removes(c, lambda v: covers(v, dirs))


def cache_mounted(view: RunView, pred: Callable[[str], bool]) -> bool:
    """A ``--mount=type=cache`` or ``type=tmpfs`` whose target satisfies ``pred``."""
    return any(pred(t) for t in view.cache_targets)


def mount_covers(view: RunView, cache_dirs: Iterable[str]) -> bool:
    dirs = tuple(cache_dirs)
    return cache_mounted(view, lambda t: covers(t, dirs))


def uncleaned(view: RunView, is_install: Callable[[Command], bool],
              is_clean: Callable[[Command], bool]) -> Command | None:
    """The first install in the RUN that no cleanup follows (in source
    order); None when every install is followed by a cleanup."""
    installs = [c for c in view.commands if is_install(c)]
    if not installs:  # the common case; the cleanup checks are the costly part
        return None
    cleans = [c.span.start for c in view.commands if is_clean(c)]
    last_clean = max(cleans) if cleans else None
    for c in installs:
        if last_clean is None or last_clean <= c.span.start:
            return c
    return None


# -- cleanups (DW011, DW004) -------------------------------------------------------------

_CLEAN_PATH = lazyre.compile(
    r"""(?ix)
    ^/var/lib/apt/lists(/|$) | ^/var/cache(/|$) | ^/var/lib/(dnf|yum)(/|$) | ^/var/lib/apt/?$
    | ^/tmp(/|$) | ^/var/tmp(/|$) | ^/var/log(/|$)
    | (^|/)\.cache(/|$) | (^|/)\.npm(/|$) | (^|/)\.m2(/|$) | (^|/)\.gradle/caches | (^|/)\.composer/cache
    | (^|/)\.cargo/registry | (^|/)\.bundle/cache | /usr/local/share/\.cache
    | ^/usr/share/(doc|man|info|locale)(/|$)
    | (^|/)__pycache__(/|$) | \.pyc$ | \.pyo$
    | \.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|zip|deb|rpm|apk|whl|gem|msi)$
    | ^c:/windows/temp | ^\$env:te?mp | (^|/)temp(/|\*|$)
    """
)
RM = frozenset({"rm", "remove-item", "del", "erase", "rd", "rmdir", "ri"})


def clean_target(value: str) -> bool:
    """A path that holds caches, temporary files, logs, docs or downloaded archives."""
    return bool(_CLEAN_PATH.search(value.replace("\\", "/").strip("\"'")))


def is_cleanup(c: Command, cache_targets: list[str]) -> bool:
    """A command that only deletes caches, temporary files, logs or docs (a
    path under one of ``cache_targets``, a cache mount, cleans no image)."""
    sub = c.sub
    n = c.name
    fam = family(c)
    if fam == "apt":
        return sub in ("clean", "autoclean", "autoremove")
    if fam in ("rpm", "zypper"):
        return sub in ("clean", "cc")
    if fam == "apk":
        return sub == "cache" and c.has_arg("clean", "purge")
    if n in ("npm", "yarn", "pnpm"):
        return sub == "cache" and c.has_arg("clean", "clear", "prune") or sub == "store" and c.has_arg("prune")
    if is_pip(c):
        return sub == "cache"
    if n in ("conda", "mamba", "micromamba", "go"):
        return sub == "clean"
    if n == "composer":
        return sub in ("clear-cache", "clearcache")
    if n in RM:
        targets = [w.value for w in c.args if not w.value.startswith("-")]
        if not targets:
            return False
        for t in targets:
            if any(t.startswith(m.rstrip("/") + "/") or t == m for m in cache_targets):
                return False  # cleans a cache mount, not the image
        return all(clean_target(t) for t in targets)
    if n == "find":
        vals = c.values
        deletes = "-delete" in vals or ("-exec" in vals and any(v in ("rm", "/bin/rm") for v in vals))
        if not deletes:
            return False
        start = [v for v in vals[:1] if not v.startswith("-")]
        names = [vals[i + 1] for i, v in enumerate(vals[:-1]) if v in ("-name", "-iname")]
        return any(clean_target(s) for s in start) or any(x in ("*.pyc", "*.pyo", "__pycache__") for x in names)
    return False


_KIND_PATH = (
    (lazyre.compile(r"^/var/(lib|cache)/apt(/|$)"), "apt"),
    (lazyre.compile(r"^/var/(lib|cache)/(yum|dnf)(/|$)"), "rpm"),
    (lazyre.compile(r"^/var/cache/zypp(/|$)"), "zypper"),
    (lazyre.compile(r"^/var/cache/apk(/|$)"), "apk"),
    (lazyre.compile(r"(^|/)\.npm(/|$)"), "npm"),
    (lazyre.compile(r"(^|/)\.cache/pip(/|$)"), "pip"),
    (lazyre.compile(r"(^|/)\.cache/yarn(/|$)"), "yarn"),
)


def cleanup_kind(c: Command) -> str | None:
    """Which tool's files a cleanup command removes (None: generic paths)."""
    fam = family(c)
    if fam is not None:
        return fam
    if c.name in ("npm", "yarn", "pnpm", "composer", "go"):
        return c.name
    if is_pip(c):
        return "pip"
    if c.name in ("conda", "mamba", "micromamba"):
        return "conda"
    kinds = {k for w in c.args for rx, k in _KIND_PATH if rx.search(w.value.strip("\"'"))}
    return kinds.pop() if len(kinds) == 1 else None


def creates(kind: str, cs: list[Command]) -> bool:
    """One of ``cs`` fills the caches of ``kind`` (see :func:`cleanup_kind`)."""
    for c in cs:
        if kind in FAMILIES and family(c) == kind and c.sub not in ("clean", "cc", "cache"):
            return True
        if kind == "pip" and (is_pip(c) or c.name == "uv" and c.sub == "pip"):
            return True
        if kind == "conda" and c.name in ("conda", "mamba", "micromamba"):
            return True
        if kind == c.name and c.sub not in ("cache", "clean", "clear-cache", "clearcache"):
            return True
    return False


# -- the stage data flow ---------------------------------------------------------------


def needs_apt_lists(view: RunView) -> bool:
    """The RUN reads the apt lists before it updates them itself."""
    for c in view.commands:
        if apt_updates(c):
            return False
        if uses_apt_lists(c):
            return True
    return False


def _first_later(df: Dockerfile, ins: Instruction, key: str, pred: Callable[[Instruction], bool]) -> Instruction | None:
    """The first RUN after ``ins`` (ONBUILD RUN triggers included), in its stage
    or in a stage built FROM it directly or not, for which ``pred`` holds, in O(log n).

    Per model (memoised in ``df.derived`` under ``key``): the matching RUNs of
    each stage, and per stage the first matching RUN of the stages built from
    it (their instructions all come after the stage's own: stages are
    contiguous in the file). So fixing every RUN of a long stage does not scan
    the rest of the file once per RUN."""
    st = df.stage_of(ins)
    if st is None:
        return None
    memo = df.derived.get(key)
    if memo is None:
        own: dict[int, list[int]] = {}
        for other in df.instructions:
            if other.stage >= 0 and other.effective.keyword == "RUN" and pred(other):
                own.setdefault(other.stage, []).append(other.index)
        below: dict[int, int] = {}  # stage -> first matching RUN in a stage built from it
        for s in reversed(df.stages):
            firsts = [x for x in (own[s.index][0] if s.index in own else None, below.get(s.index)) if x is not None]
            p = s.parent
            if firsts and p is not None and p < s.index:
                below[p] = min(below.get(p, firsts[0]), *firsts)
        memo = df.derived[key] = (own, below)
    own, below = memo
    mine = own.get(st.index, [])
    k = bisect.bisect_right(mine, ins.index)
    found = [x for x in (mine[k] if k < len(mine) else None, below.get(st.index)) if x is not None]
    return df.instructions[min(found)] if found else None


def apt_lists_needed_later(df: Dockerfile, ins: Instruction) -> Instruction | None:
    """The first later RUN (of the stage or a stage built from it) that uses the
    apt lists without updating them first: deleting the lists in ``ins`` breaks it."""
    return _first_later(df, ins, __name__ + ".needs_apt_lists", lambda other: needs_apt_lists(run_view(other)))


def unknown_script_later(df: Dockerfile, ins: Instruction) -> Instruction | None:
    """The first later RUN whose effect we cannot see (a script, make …)."""
    return _first_later(df, ins, __name__ + ".unknown_script",
                        lambda other: any(runs_unknown_script(c) for c in run_view(other).commands))

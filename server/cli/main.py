"""The ``dockwise`` command line.

::

    dockwise lint [PATH ... | -] [-f tty|json|sarif] [--select CODES] [--extend-select CODES]
                  [--ignore CODES] [--severity CODE=LEVEL] [-t THRESHOLD] [--no-fail]
                  [-c FILE | --no-config] [--disable-ignore-pragma]
                  [-j N] [--no-color] [--stdin-filename NAME] [--fix [--unsafe-fixes]]
    dockwise fix [PATH ... | -] [--unsafe-fixes] [--select/--extend-select/--ignore CODES]
                 [--diff] [--check] [-c FILE | --no-config] [--stdin-filename NAME]
    dockwise format [PATH ... | -] [--diff] [--check] [--indent N] [--tabs]
    dockwise parse FILE|- [--format buildkit|json]
    dockwise rule CODE|NAME|ALIAS | --all
    dockwise serve [--stdio] [--tcp HOST:PORT] [--log-file PATH]
    dockwise --version

Exit status of ``lint`` (hadolint's policy, plus 2 for input errors):

* 1 when any file has a fatal parse error (a ``DW000`` violation at severity
  ``error``) or any violation at or above ``--failure-threshold`` (default
  ``info``: error, warning and info fail, style does not; ``ignore``/``none``
  fail on any violation, as in hadolint); else 0. ``--no-fail`` makes this 0.
* 2 when an input could not be linted: a missing path, a directory without
  Dockerfiles, an unreadable, binary or non-UTF-8 file. Every other input is
  still linted and reported. ``--no-fail`` does not hide input errors.
* The final status is the larger of the two. Usage errors (bad options) exit 2.

``dockwise fix`` rewrites files in place (same inode, owner and mode, so hard
links see the new text; never touching a file whose content would not change;
a read-only file is refused with a message naming it and exit status 2) and writes the fixed
text of ``-`` to stdout; ``--diff`` prints a unified diff and ``--check``
reports what would change, both without writing and exiting 1 when something
would change. A summary goes to stderr. Input errors exit 2 as for ``lint``.
``lint --fix`` fixes the files in place first and then lints them (lint's exit
status; it refuses ``-``).

Configuration (see :mod:`dockwise.lint.config`): ``HADOLINT_*`` environment
variables < ``.hadolint.yaml`` (hadolint's search from the current directory)
< ``dockwise.toml`` / ``pyproject.toml [tool.dockwise]`` in the current
directory < command-line options. ``--failure-threshold``, ``--no-fail``,
``--format`` and ``--no-color`` fall back to the configuration when not given.
``-c/--config FILE`` reads only FILE (no search; a missing FILE is an input
error, exit 2); ``--no-config`` reads no file. Problems in the configuration
are printed to stderr as ``path:line: message`` and do not change the exit
status; the rest of the configuration still applies.

Nothing here (or anywhere in dockwise) executes anything from a Dockerfile.
The lint path imports only the engine, parser and rules: never the LSP libraries.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Sequence

from dockwise import __version__
from dockwise.lint.discover import SourceError, decode_source, expand_paths, read_source

PROG = "dockwise"
THRESHOLDS = ("error", "warning", "info", "style", "ignore", "none")
_LEVELS = ("error", "warning", "info", "style", "off", "ignore", "none")
PROGRESS_MIN_FILES = 50


# -- output helpers -----------------------------------------------------------


def _write(text: str, stream: Any = None) -> None:
    """Write text as UTF-8 whatever the stream's encoding."""
    stream = stream if stream is not None else sys.stdout
    buf = getattr(stream, "buffer", None)
    if buf is not None:
        stream.flush()
        buf.write(text.encode("utf-8", "surrogateescape"))
        buf.flush()
    else:
        stream.write(text)


def _err(msg: str) -> None:
    sys.stderr.write(f"{PROG}: error: {msg}\n")


def _warn(msg: str) -> None:
    sys.stderr.write(f"{PROG}: warning: {msg}\n")


# -- argument parsing ---------------------------------------------------------


def _codes(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or ():
        out.extend(s.strip() for s in v.split(",") if s.strip())
    return out


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid job count {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError("job count must be >= 0 (0 = one per CPU)")
    return n


def _label_spec(text: str) -> tuple[str, str]:
    from dockwise.lint.config import parse_label_spec

    try:
        return parse_label_spec(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _format_name(text: str) -> str:
    from dockwise.lint.report import FORMATS

    if text not in FORMATS:
        raise argparse.ArgumentTypeError(f"unknown output format {text!r} (one of {', '.join(FORMATS)})")
    return text


def _threshold(text: str) -> str:
    t = text.strip().lower()
    if t not in THRESHOLDS:
        raise argparse.ArgumentTypeError(f"unknown threshold {text!r} (one of {', '.join(THRESHOLDS)})")
    return t


def _add_lint_arguments(lint: argparse.ArgumentParser) -> None:
    lint.add_argument("paths", nargs="*", metavar="PATH")
    lint.add_argument("-v", "--version", action="version", version=f"{PROG} {__version__}")
    out = lint.add_argument_group("output (hadolint's flags, plus github and --statistics)")
    out.add_argument("-f", "--format", action="append", type=_format_name, default=None, metavar="FORMAT",
                     help="tty, json, checkstyle, codeclimate, gitlab_codeclimate, gnu, codacy, sonarqube, sarif, "
                          "junit or github (default: the configuration's, else tty); repeat for several, "
                          "paired in order with -o")
    out.add_argument("-o", "--output", "--output-file", dest="output", action="append", default=None,
                     metavar="FILE", help="write the report to FILE instead of stdout ('-': stdout); repeatable")
    out.add_argument("--file-path-in-report", metavar="PATH",
                     help="the file path to write in checkstyle, codeclimate, gitlab_codeclimate, sonarqube and "
                          "junit reports (as hadolint; e.g. when linting inside a container)")
    out.add_argument("--no-color", action="store_true", default=None,
                     help="no ANSI colours (also: NO_COLOR; FORCE_COLOR forces them)")
    out.add_argument("-V", "--verbose", action="store_true", default=None,
                     help="say which configuration files and settings are used (stderr)")
    out.add_argument("-q", "--quiet", action="store_true",
                     help="print only the findings: no summary line, no progress, no notes")
    out.add_argument("--statistics", action="store_true",
                     help="print how many times each rule was violated instead of the findings")
    sel = lint.add_argument_group("rules")
    sel.add_argument("--select", action="append", metavar="CODES",
                     help="only these rules (comma-separated codes, names, aliases, prefixes, tag:x, ALL)")
    sel.add_argument("--extend-select", action="append", metavar="CODES",
                     help="rules to add to the selection")
    sel.add_argument("--ignore", action="append", metavar="CODES", help="rules to turn off (repeatable)")
    sel.add_argument("--severity", action="append", metavar="CODE=LEVEL",
                     help="override a rule's level: error, warning, info, style or off")
    for level in ("error", "warning", "info", "style"):
        sel.add_argument(f"--{level}", action="append", metavar="RULECODE", dest=f"level_{level}",
                         help=f"make RULECODE's level {level} (hadolint's flag; repeatable)")
    sel.add_argument("--trusted-registry", action="append", metavar="REGISTRY", default=None,
                     help="a registry that FROM images may come from (DL3026; repeatable, e.g. docker.io)")
    sel.add_argument("--require-label", action="append", type=_label_spec, metavar="LABEL:TYPE", default=None,
                     help="a label every image must have, of type text, url, semver, hash, rfc3339, spdx or email "
                          "(DL3049-DL3058; repeatable)")
    sel.add_argument("--strict-labels", action="store_true", default=None,
                     help="no labels other than the required ones (DL3050)")
    sel.add_argument("--disable-ignore-pragma", action="store_true",
                     help="ignore in-file ignore pragmas (# hadolint ignore=, # dockwise: ignore=, # check=skip=)")
    st = lint.add_argument_group("exit status")
    st.add_argument("-t", "--failure-threshold", type=_threshold, default=None, metavar="THRESHOLD",
                    help="exit 1 if a violation is at or above this level: error, warning, info, style, ignore, "
                         "none (default: the configuration's, else info)")
    st.add_argument("--no-fail", action="store_true", default=None, help="exit 0 even when violations are found")
    cfg = lint.add_mutually_exclusive_group()
    cfg.add_argument("-c", "--config", metavar="FILE",
                     help="read only this configuration file (.hadolint.yaml format, or dockwise's .toml); "
                          "no search")
    cfg.add_argument("--no-config", action="store_true", help="read no configuration file")
    fs = lint.add_argument_group("files")
    fs.add_argument("--exclude", action="append", metavar="PATTERNS", default=None,
                    help="gitignore-style patterns to leave out while searching directories, replacing the "
                         "default (.git, node_modules, virtualenvs, ...); comma-separated, repeatable")
    fs.add_argument("--extend-exclude", action="append", metavar="PATTERNS", default=None,
                    help="patterns to leave out in addition to the default")
    fs.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false",
                    help="search directories without honouring .gitignore files")
    fs.add_argument("--force-exclude", action="store_true",
                    help="apply the name patterns, excludes and .gitignore to files named on the command line "
                         "too (for pre-commit and editors that pass every file)")
    fs.add_argument("--stdin-filename", metavar="NAME", help="file name to report for '-'")
    fs.add_argument("--context", metavar="DIR",
                    help="the build context folder (DW009 and CopyIgnoredFile read its .dockerignore); default: "
                         "each Dockerfile's folder")
    _build_flags(lint.add_argument_group("the build (as docker build takes it)"))
    lint.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="N",
                      help="parallel worker processes (default/0: one per CPU)")
    lint.add_argument("--fix", action="store_true",
                      help="apply safe fixes to the files in place first, then report what is left")
    lint.add_argument("--unsafe-fixes", action="store_true", help="with --fix: apply unsafe fixes too")


def _build_flags(p) -> None:
    """The ``docker build`` flags the build-dependent rules read."""
    p.add_argument("--build-arg", action="append", metavar="NAME[=VALUE]", default=None,
                   help="a build argument, as for docker build (NAME alone takes the value of the environment "
                        "variable NAME, if set)")
    p.add_argument("--target", metavar="STAGE",
                   help="the stage to build, as for docker build (default: the last one); BuildKit's checks "
                        "then run only in the stages it needs, as 'docker build --check --target' does")
    p.add_argument("--platform", metavar="OS/ARCH[/VARIANT]",
                   help="the target platform (TARGETPLATFORM), as for docker build; default: this machine's")
    p.add_argument("--final-image-only", action="append", metavar="CODES",
                   help="report these rules only in the stages whose layers are in the final image "
                        "(e.g. DL3009,DL3042 or tag:size)")


def _build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Dockerfile linter and language server.",
    )
    p.add_argument("-v", "--version", action="version", version=f"{PROG} {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    lint = sub.add_parser(
        "lint",
        allow_abbrev=False,
        help="lint Dockerfiles (also: dockwise [hadolint flags] FILE...)",
        description="Lint Dockerfiles. PATHs may be files, directories (searched for Dockerfile, "
        "Dockerfile.*, Dockerfile-*, *.Dockerfile, Containerfile*, any case) or '-' for stdin. "
        "Default: the current directory. Every hadolint flag is accepted with its meaning; "
        "'dockwise [FLAGS] FILE...' without a command is 'dockwise lint'.",
    )
    _add_lint_arguments(lint)
    fix = sub.add_parser(
        "fix",
        help="apply fixes to Dockerfiles",
        description="Apply the safe fixes (and the unsafe ones with --unsafe-fixes) to Dockerfiles, "
        "in place; '-' reads stdin and writes the fixed text to stdout. Same file discovery and "
        "configuration as 'lint'.",
    )
    fix.add_argument("paths", nargs="*", metavar="PATH")
    fix.add_argument("--unsafe-fixes", action="store_true", help="apply unsafe fixes too")
    fix.add_argument("--select", action="append", metavar="CODES", help="only fix these rules")
    fix.add_argument("--extend-select", action="append", metavar="CODES", help="rules to add to the selection")
    fix.add_argument("--ignore", action="append", metavar="CODES", help="rules not to fix")
    fix.add_argument("--diff", action="store_true",
                     help="print a unified diff of the changes instead of writing them (exit 1 if any)")
    fix.add_argument("--check", action="store_true",
                     help="write nothing; exit 1 when a file would change")
    fcfg = fix.add_mutually_exclusive_group()
    fcfg.add_argument("-c", "--config", metavar="FILE", help="read only this configuration file; no search")
    fcfg.add_argument("--no-config", action="store_true", help="read no configuration file")
    fix.add_argument("--disable-ignore-pragma", action="store_true",
                     help="ignore in-file ignore pragmas (fix what they hide)")
    fix.add_argument("--stdin-filename", metavar="NAME", help="file name to use for '-'")
    fix.add_argument("--context", metavar="DIR", help="the build context folder (as for lint)")
    _build_flags(fix)

    fmt = sub.add_parser("format", help="format Dockerfiles (keyword case, spacing, continuation indentation)")
    fmt.add_argument("paths", nargs="*", metavar="PATH")
    fmt.add_argument("--diff", action="store_true", help="print a unified diff instead of writing")
    fmt.add_argument("--check", action="store_true", help="exit 1 when a file would change; write nothing")
    fmt.add_argument("--indent", type=int, default=4, metavar="N",
                     help="spaces per continuation level (default 4)")
    fmt.add_argument("--tabs", action="store_true", help="indent continuation lines with tabs")
    fmt.add_argument("--stdin-filename", metavar="NAME", help="file name to show for '-'")

    parse = sub.add_parser("parse", help="print the parse tree of a Dockerfile")
    parse.add_argument("file", metavar="FILE", help="a Dockerfile or '-' for stdin")
    parse.add_argument("-f", "--format", choices=("buildkit", "json"), default="buildkit")

    rule = sub.add_parser("rule", help="show a rule's documentation")
    rule.add_argument("key", nargs="?", metavar="CODE|NAME|ALIAS")
    rule.add_argument("--all", action="store_true", help="list all rules")

    comp = sub.add_parser("completion", help="print a shell completion script",
                          description="Print a completion script for bash, zsh or fish. bash: "
                                      "'source <(dockwise completion bash)'; zsh: 'dockwise completion zsh > "
                                      "\"${fpath[1]}/_dockwise\"'; fish: 'dockwise completion fish > "
                                      "~/.config/fish/completions/dockwise.fish'.")
    comp.add_argument("shell", choices=("bash", "zsh", "fish"))

    serve = sub.add_parser("serve", help="run the language server")
    serve.add_argument("--stdio", action="store_true", help="use stdin/stdout (the default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP socket instead")
    serve.add_argument("--log-file", metavar="PATH",
                       help="also append the server's log to PATH (it goes to the editor as "
                            "window/logMessage; nothing is written to stderr)")
    return p


# -- lint ---------------------------------------------------------------------

# A compact, picklable violation: (code, name, severity, message, l1, c1, l2, c2, fix)
# with fix 0 (none), 1 (safe), 2 (unsafe: applied only with --unsafe-fixes)
Packed = tuple


def _fix_kind(v: Any) -> int:
    fix = v.fix
    if fix is None:
        return 0
    kind = getattr(fix.applicability, "value", "")
    return 1 if kind == "safe" else 2 if kind == "unsafe" else 0


def _pack(violations: Sequence[Any]) -> tuple[bool, tuple]:
    fatal = False
    out = []
    for v in violations:
        s, e = v.span.start, v.span.end
        sev = int(v.severity)
        if v.code == "DW000" and sev == 1:
            fatal = True
        out.append((v.code, v.name, sev, v.message, s.line, s.col, e.line, e.col, _fix_kind(v)))
    return fatal, tuple(out)


def _unpack(packed: tuple) -> list:
    from dockwise.lint.engine import Violation
    from dockwise.syntax.model import Pos, Span
    from dockwise.rules._api import Severity

    urls: dict[str, str] = {}
    out = []
    for code, name, sev, msg, l1, c1, l2, c2, _fix in packed:
        url = urls.get(code)
        if url is None:
            url = urls[code] = _rule_url(code)
        out.append(Violation(code, name, Severity(sev), msg, Span(Pos(l1, c1), Pos(l2, c2)), url=url))
    return out


def _rule_url(code: str) -> str:
    from dockwise import rules as registry

    return registry.url_for(code)


_WORKER_SETTINGS = None


def _init_worker(settings: Any) -> None:
    global _WORKER_SETTINGS
    _WORKER_SETTINGS = settings


LINT_CHUNK = 64  # files linted together (ShellCheck checks their scripts in one process)


def _lint_paths(paths: list[str], settings: Any, raw: bool = False) -> list[tuple]:
    """Lint files: per path (error message or None, fatal, packed violations),
    with ``raw`` also the violations themselves. ShellCheck checks the scripts
    of all of them in one batch."""
    from dockwise.lint.shellcheck import lint_models
    from dockwise.syntax.parser import parse

    items: list[Any] = []  # per path: an error message, or the model
    for path in paths:
        try:
            text = read_source(path)
        except SourceError as exc:
            items.append(str(exc))
            continue
        try:
            items.append(parse(text, path=path))
        except Exception as exc:  # a parser bug must not lose the other files
            items.append(f"internal error: {type(exc).__name__}: {exc}")
    results = iter(lint_models([m for m in items if not isinstance(m, str)], settings))
    out: list[tuple] = []
    for m in items:
        if isinstance(m, str):
            out.append((m, False, (), []) if raw else (m, False, ()))
            continue
        res = next(results)
        if isinstance(res, Exception):
            err = f"internal error: {type(res).__name__}: {res}"
            out.append((err, False, (), []) if raw else (err, False, ()))
            continue
        fatal, packed = _pack(res)
        out.append((None, fatal, packed, list(res)) if raw else (None, fatal, packed))
    return out


def _lint_chunk(paths: list[str]) -> list[tuple]:
    return _lint_paths(paths, _WORKER_SETTINGS)


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class _Progress:
    """``\\r[#####.....] 123/3288`` on stderr, cleared at the end."""

    WIDTH = 30

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled
        self.done = 0
        self._last = -1

    def advance(self, n: int) -> None:
        if not self.enabled:
            return
        self.done += n
        filled = self.WIDTH * self.done // max(1, self.total)
        if filled == self._last and self.done < self.total:
            return
        self._last = filled
        bar = "#" * filled + "." * (self.WIDTH - filled)
        sys.stderr.write(f"\r[{bar}] {self.done}/{self.total}")
        sys.stderr.flush()

    def clear(self) -> None:
        if self.enabled and self._last >= 0:
            sys.stderr.write("\r" + " " * (self.WIDTH + 4 + 2 * len(str(self.total)) + 1) + "\r")
            sys.stderr.flush()


def _run_pool(paths: list[str], settings: Any, jobs: int, progress: _Progress) -> list[tuple]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    from dockwise.lint.engine import lint_text

    # Warm caches (rule plan, shell grammar) before fork so workers inherit them.
    lint_text("FROM scratch\nRUN true\n", settings)
    import gc

    gc.freeze()  # shared pages stay shared after fork; no GC scans of start-up objects
    n = len(paths)
    size = max(1, min(LINT_CHUNK, -(-n // (jobs * 8))))
    chunks = [paths[i:i + size] for i in range(0, n, size)]
    results: list[list[tuple] | None] = [None] * len(chunks)
    ctx = None
    if "fork" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("fork")
    _init_worker(settings)
    ex = ProcessPoolExecutor(
        max_workers=min(jobs, len(chunks)), mp_context=ctx,
        initializer=_init_worker, initargs=(settings,),
    )
    try:
        futs = {ex.submit(_lint_chunk, c): i for i, c in enumerate(chunks)}
        try:
            for fut in as_completed(futs):
                i = futs[fut]
                results[i] = fut.result()
                progress.advance(len(chunks[i]))
        except BrokenProcessPool:
            pass  # finish what is missing in-process below
    except BaseException:
        ex.shutdown(wait=False, cancel_futures=True)
        raise
    ex.shutdown(wait=True)
    out: list[tuple] = []
    for i, c in enumerate(chunks):
        r = results[i]
        if r is None:
            r = _lint_paths(c, settings)
            progress.advance(len(c))
        out.extend(r)
    return out


def _parse_severity(values: list[str] | None) -> dict[str, str] | str:
    out: dict[str, str] = {}
    for item in _codes(values):
        key, sep, level = item.partition("=")
        key, level = key.strip(), level.strip().lower()
        if not sep or not key or level not in _LEVELS:
            return f"--severity expects CODE=LEVEL with LEVEL one of error, warning, info, style, off (got {item!r})"
        out[key] = level
    return out


def _check_selectors(named: dict[str, list[str]]) -> str | None:
    """A usage error naming every selector that matches no rule (by option),
    or None. ShellCheck codes (``SC2086``) and their prefixes (``SC20``) select
    ShellCheck's findings; the codes hadolint retired (DL3005, DL3017, DL3031,
    DL3039) are accepted: hadolint command lines name them."""
    import difflib

    from dockwise import rules as registry
    from dockwise.lint.pragmas import HADOLINT_CODES

    bad = []
    for option, selectors in named.items():
        for s in selectors:
            if registry.resolve(s) or registry.family(s) or s.upper() in HADOLINT_CODES:
                continue
            keys = sorted({k for r in registry.ALL_RULES for k in (r.code, r.meta.name)})
            close = difflib.get_close_matches(s.upper() if s[:2].isalpha() else s, keys, n=1, cutoff=0.75)
            hint = f" (did you mean {close[0]}?)" if close else ""
            bad.append(f"{option} {s}: unknown rule{hint}")
    if not bad:
        return None
    return "; ".join(bad) + "; see 'dockwise rule --all'"


def _load_config(args: argparse.Namespace) -> tuple[Any, list[str]]:
    """The configuration layer for this run, and input errors it causes
    (``--config FILE`` missing or unreadable). Problems go to stderr."""
    from dockwise.lint.config import load_config

    try:
        cwd = os.getcwd()
    except OSError:
        cwd = None
    cfg = load_config(
        cwd,
        explicit=args.config,
        search=not args.no_config and cwd is not None,
        use_env=True,
        display_root=cwd,
    )
    errors: list[str] = []
    quiet = getattr(args, "quiet", False)
    for p in cfg.problems:
        if p.severity == "error":
            _err(str(p))
            errors.append(str(p))
        elif not (quiet and p.severity == "info"):
            sys.stderr.write(f"{p}\n")
    verbose = getattr(args, "verbose", None)
    if verbose or (verbose is None and cfg.verbose):
        for f in cfg.files:
            sys.stderr.write(f"{PROG}: using configuration file {f}\n")
        if not cfg.files:
            sys.stderr.write(f"{PROG}: no configuration file\n")
    return cfg, errors


def _settings(args: argparse.Namespace) -> tuple[Any, Any, list[str]] | int:
    """(engine settings, configuration, configuration input errors) from the
    command line and the configuration files, or 2 after a usage error."""
    from dockwise.lint.engine import LintSettings

    sev = _parse_severity(getattr(args, "severity", None))
    if isinstance(sev, str):
        _err(sev)
        return 2
    for level in ("style", "info", "warning", "error"):  # hadolint: a code in several lists gets the most severe
        for code in _codes(getattr(args, f"level_{level}", None)):
            sev[code] = level
    select = _codes(args.select) if args.select is not None else None
    extend, ignore = _codes(args.extend_select), _codes(args.ignore)
    final_only = _codes(getattr(args, "final_image_only", None))
    problem = _check_selectors({"--select": list(select or ()), "--extend-select": extend, "--ignore": ignore,
                                "--severity": list(sev), "--final-image-only": final_only})
    if problem is not None:
        _err(problem)
        return 2
    context = getattr(args, "context", None)
    if context is not None and not os.path.isdir(context):
        _err(f"--context {context}: not a directory")
        return 2
    build = _build_options(args, context)
    if isinstance(build, int):
        return build
    cfg, config_errors = _load_config(args)
    options: dict[str, object] = {}
    regs = getattr(args, "trusted_registry", None)
    labels = getattr(args, "require_label", None)
    strict = getattr(args, "strict_labels", None)
    if regs or labels or strict is not None:
        from dockwise.lint.config import hadolint_rule_options

        # as hadolint: registries add to the configuration's; a label the configuration
        # (or the environment) names keeps its type there; --strict-labels wins
        trusted, schema, cfg_strict = cfg.hadolint_values()
        if regs:
            trusted = [*(trusted or ()), *(r for r in regs if r not in (trusted or ()))]
        if labels:
            schema = {**dict(labels), **(schema or {})}
        options.update(hadolint_rule_options(trusted, schema, strict if strict is not None else cfg_strict))
    if context:
        options["DW009"] = {"context": os.path.abspath(context)}
    settings = LintSettings.make(
        select=select, extend_select=extend, ignore=ignore, severity=sev,
        disable_ignore_pragma=args.disable_ignore_pragma,
        options=options or None,
        base=cfg.lint_settings() if cfg.sources else None,
        build=build,
        final_image_only=final_only,
    )
    return settings, cfg, config_errors


def _shellcheck_note(settings: Any) -> None:
    """One quiet line when ShellCheck findings are wanted and there is no binary."""
    from dockwise.lint import shellcheck

    if shellcheck.selected(settings) and not shellcheck.runner().available:
        sys.stderr.write(f"{PROG}: note: {shellcheck.NOT_FOUND}\n")


def _build_options(args: argparse.Namespace, context: str | None) -> dict | int:
    """--build-arg/--target/--platform/--context as engine build settings, or 2
    after a usage error (reported)."""
    import re

    build: dict[str, Any] = {}
    values: dict[str, str] = {}
    for item in getattr(args, "build_arg", None) or ():
        name, eq, value = item.partition("=")
        name = name.strip()
        if not name or not re.fullmatch(r"[^\s=]+", name):
            _err(f"--build-arg expects NAME=VALUE or NAME (got {item!r})")
            return 2
        if not eq:  # docker build: the environment's value, or nothing
            if name not in os.environ:
                continue
            value = os.environ[name]
        values[name] = value
    if values:
        build["args"] = values
    target = getattr(args, "target", None)
    if target is not None:
        if not target.strip():
            _err("--target expects a stage name")
            return 2
        build["target"] = target.strip()
    platform = getattr(args, "platform", None)
    if platform is not None:
        from dockwise.syntax.stages import format_platform, parse_platform

        first = platform.split(",")[0].strip()
        parsed = parse_platform(first) if first else None
        if parsed is None:
            _err(f"--platform {platform!r}: expected OS/ARCH[/VARIANT] such as linux/arm64")
            return 2
        if "," in platform:
            _warn(f"--platform {platform}: linting for the first platform, {first}")
        build["platform"] = format_platform(parsed)
    if context:
        build["context"] = os.path.abspath(context)
    return build


class _Outcome:
    """What linting one input gave: its shown path, an input error, whether a
    fatal syntax error was found, the violations and how many of them a fix
    covers (safe, unsafe)."""

    __slots__ = ("path", "error", "fatal", "violations", "fixes")

    def __init__(self, path: str, error: str | None, fatal: bool = False, violations: list | None = None,
                 fixes: tuple[int, int] = (0, 0)) -> None:
        self.path = path
        self.error = error
        self.fatal = fatal
        self.violations = violations or []
        self.fixes = fixes


def _fix_counts(kinds: Sequence[int]) -> tuple[int, int]:
    return sum(1 for k in kinds if k == 1), sum(1 for k in kinds if k == 2)


def _exclude_patterns(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [p.strip() for v in values for p in v.split(",") if p.strip()]


def _use_color(args: argparse.Namespace, cfg: Any, stream: Any) -> bool:
    """--no-color / no-color (configuration) / NO_COLOR turn colours off;
    FORCE_COLOR turns them on; else only on a terminal."""
    if args.no_color or cfg.no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _destinations(formats: list[str], outputs: list[str]) -> list[tuple[str, str]]:
    """hadolint's pairing of -f and -o: in order; extra formats go to stdout,
    extra outputs get tty."""
    if not formats and not outputs:
        return [("-", "tty")]
    n = max(len(formats), len(outputs))
    return [(outputs[i] if i < len(outputs) else "-", formats[i] if i < len(formats) else "tty") for i in range(n)]


def _statistics(reports: Sequence[Any], fmt: str) -> str:
    import json

    from dockwise import rules as registry

    counts: dict[str, list] = {}
    for r in reports:
        for v in r.violations:
            c = counts.setdefault(v.code, [0, v.name, False])
            c[0] += 1
            rule = registry.get(v.code)
            c[2] = c[2] or bool(rule is not None and rule.meta.fixable)
    rows = sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))
    if fmt == "json":
        return json.dumps([{"code": c, "name": n, "count": k, "fixable": f} for c, (k, n, f) in rows],
                          indent=2) + "\n"
    width = max((len(str(k)) for _, (k, _, _) in rows), default=1)
    return "".join(f"{k:>{width}}\t{c}\t{'[*]' if f else '[ ]'} {n}\n" for c, (k, n, f) in rows)


def _cmd_lint(args: argparse.Namespace) -> int:
    from dockwise.lint import report
    from dockwise.lint.discover import Filters
    from dockwise.lint.engine import exceeds, selected_codes

    if args.fix and "-" in (args.paths or ()):
        _err("lint --fix cannot rewrite stdin; use 'dockwise fix -' (fixed text on stdout)")
        return 2
    got = _settings(args)
    if isinstance(got, int):
        return got
    settings, cfg, config_errors = got
    if not args.format and any(p.severity == "error" and p.key in ("format", "formats", "HADOLINT_FORMAT")
                               for p in cfg.problems):
        return 2  # the report was asked for in a format dockwise does not write (said above): write none
    threshold = args.failure_threshold or cfg.failure_threshold or "info"
    no_fail = bool(args.no_fail) if args.no_fail is not None else bool(cfg.no_fail)
    formats = list(args.format or cfg.formats or [])
    dests = _destinations(formats, list(args.output or []))

    _shellcheck_note(settings)
    paths = args.paths or ["."]
    filters = Filters(exclude=_exclude_patterns(args.exclude), extend_exclude=_exclude_patterns(args.extend_exclude)
                      or (), respect_gitignore=args.respect_gitignore)
    files, input_errors = expand_paths(paths, filters, force_exclude=args.force_exclude)
    if args.force_exclude and not files and not input_errors:
        return 0  # everything given was left out: nothing to lint is not an error here
    for e in input_errors:
        _err(str(e))
    messages: list[str] = config_errors + [str(e) for e in input_errors]
    if args.fix:
        messages += _fix_files(files, settings, args.unsafe_fixes, quiet=args.quiet)

    stdin_name = args.stdin_filename or "-"
    n = len(files)
    jobs = args.jobs or _cpu_count()
    progress = _Progress(n, n > PROGRESS_MIN_FILES and sys.stderr.isatty() and not args.quiet)

    outcomes: list[_Outcome] = [None] * n  # type: ignore[list-item]
    disk = [(i, p) for i, p in enumerate(files) if p != "-"]
    for i, p in enumerate(files):
        if p == "-":
            try:
                text = decode_source(sys.stdin.buffer.read())
            except SourceError as exc:
                outcomes[i] = _Outcome(stdin_name, str(exc))
            else:
                from dockwise.lint.shellcheck import lint_models
                from dockwise.syntax.parser import parse

                res = lint_models([parse(text, path=args.stdin_filename)], settings)[0]
                if isinstance(res, Exception):
                    raise res
                fatal, packed = _pack(res)
                outcomes[i] = _Outcome(stdin_name, None, fatal, list(res), _fix_counts([t[8] for t in packed]))
            progress.advance(1)
    if disk:
        if jobs <= 1 or len(disk) <= 1:
            for k in range(0, len(disk), LINT_CHUNK):
                part = disk[k:k + LINT_CHUNK]
                got_part = _lint_paths([p for _, p in part], settings, raw=True)
                for (i, p), (err, fatal, packed, viols) in zip(part, got_part):
                    outcomes[i] = _Outcome(p, err, fatal, viols, _fix_counts([t[8] for t in packed]))
                progress.advance(len(part))
        else:
            got_all = _run_pool([p for _, p in disk], settings, jobs, progress)
            for (i, p), (err, fatal, packed) in zip(disk, got_all):
                outcomes[i] = _Outcome(p, err, fatal, _unpack(packed) if packed else [],
                                       _fix_counts([t[8] for t in packed]))
    progress.clear()

    reports: list[report.FileReport] = []
    any_fatal = False
    all_violations: list = []
    safe_fixes = unsafe_fixes = 0
    for o in outcomes:
        if o.error is not None:
            _err(f"{o.path}: {o.error}")
            messages.append(f"{o.path}: {o.error}")
            continue
        any_fatal |= o.fatal
        all_violations.extend(o.violations)
        safe_fixes += o.fixes[0]
        unsafe_fixes += o.fixes[1]
        reports.append(report.FileReport(o.path, o.violations))

    if any(f in report.NEEDS_LINES for _, f in dests):
        for r in reports:  # fingerprints and snippets need the lines (read again: cheap, and only here)
            if r.violations and r.path != stdin_name:
                try:
                    r.lines = read_source(r.path).splitlines()
                except SourceError:
                    pass
    status_write = 0
    for dest, fmt in dests:
        shown = reports
        if args.file_path_in_report and fmt in report.PATH_IN_REPORT_FORMATS:
            shown = [report.FileReport(args.file_path_in_report, r.violations, r.lines) for r in reports]
        stream = sys.stdout if dest == "-" else None
        if args.statistics:
            text = _statistics(shown, fmt)
        else:
            metas = None
            if fmt == "sarif":
                from dockwise import rules as registry

                metas = [r.meta for c in selected_codes(settings) if (r := registry.get(c)) is not None]
            text = report.render(fmt, shown, color=fmt == "tty" and _use_color(args, cfg, stream),
                                 rules=metas, tool_version=__version__, notifications=messages)
        if dest == "-":
            _write(text)
        else:
            try:
                from dockwise.atomic import write_atomic as _write_file

                _write_file(dest, text.encode("utf-8", "surrogateescape"))
            except OSError as exc:
                _err(f"{dest}: cannot write the report: {(exc.strerror or str(exc)).lower()}")
                status_write = 2
    if "tty" in (f for _, f in dests) and not args.quiet:
        line = report.summary_line(reports, len(messages))
        if safe_fixes:
            line += f" {safe_fixes} fixable with `--fix`."
        if unsafe_fixes:
            line += f" ({unsafe_fixes} more with `--fix --unsafe-fixes`.)"
        sys.stderr.write(line + "\n")

    status = 0
    if not no_fail and (any_fatal or exceeds(all_violations, threshold)):
        status = 1
    if any(f in ("codeclimate", "codacy") for _, f in dests):
        status = 0  # hadolint: these formats never fail the run
    if messages:
        status = max(status, 2)
    return max(status, status_write)


# -- fix ----------------------------------------------------------------------

_BOM = b"\xef\xbb\xbf"


def _read_for_fix(path: str) -> tuple[str, bool]:
    """(text without BOM, had a BOM); raises SourceError."""
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        text = read_source(path)  # its error messages
        try:
            with open(path, "rb") as fh:
                head = fh.read(3)
        except OSError as exc:
            raise SourceError((exc.strerror or str(exc)).lower()) from None
        return text, head == _BOM
    return decode_source(data), data.startswith(_BOM)


def _encode(text: str, bom: bool) -> bytes:
    return (_BOM if bom else b"") + text.encode("utf-8", "surrogateescape")


def write_back(path: str, data: bytes) -> None:
    """Rewrite the user's file in place: same inode, owner and mode (hard
    links see the new text); a read-only file (0444, even for root) or one
    that is not a regular file is refused with OSError and left unchanged."""
    from dockwise.atomic import write_in_place

    write_in_place(path, data, fsync=True)


def _fix_one(path: str, settings: Any, unsafe: bool, stdin_name: str | None):
    """(original text, bom, FixResult) for one input; raises SourceError."""
    from dockwise.lint.fixes import fix_text

    text, bom = _read_for_fix(path)
    shown = (stdin_name if path == "-" else path) or None
    return text, bom, fix_text(text, settings, shown, unsafe=unsafe)


def _report_fix_notes(shown: str, res: Any) -> None:
    for code, why in res.declined:
        _warn(f"{shown}: {code}: {why}")
    if not res.converged:
        _warn(f"{shown}: fixes did not converge after {res.rounds} rounds; the file may need another run")


def _fix_files(files: list[str], settings: Any, unsafe: bool, quiet: bool = False) -> list[str]:
    """``lint --fix``: fix the files in place; input errors are left to the
    lint that follows; write errors are returned as messages."""
    fixed = changed = 0
    messages: list[str] = []
    for p in files:
        try:
            text, bom, res = _fix_one(p, settings, unsafe, None)
        except SourceError:
            continue
        except Exception as exc:  # pragma: no cover - engine bug
            _err(f"{p}: internal error while fixing: {type(exc).__name__}: {exc}")
            continue
        _report_fix_notes(p, res)
        if res.text == text:
            continue
        try:
            write_back(p, _encode(res.text, bom))
        except OSError as exc:
            msg = f"{p}: cannot write: {(exc.strerror or str(exc)).lower()}"
            _err(msg)
            messages.append(msg)
            continue
        fixed += len(res.applied)
        changed += 1
    if fixed and not quiet:
        sys.stderr.write(f"Fixed {_n(fixed, 'problem')} in {_n(changed, 'file')}\n")
    return messages


def _n(k: int, word: str) -> str:
    return f"{k} {word}{'' if k == 1 else 's'}"


def _cmd_fix(args: argparse.Namespace) -> int:
    got = _settings(args)
    if isinstance(got, int):
        return got
    settings, _cfg, config_errors = got
    files, input_errors = expand_paths(args.paths or ["."])
    for e in input_errors:
        _err(str(e))
    status = 2 if (config_errors or input_errors) else 0
    dry = args.diff or args.check
    stdin_name = args.stdin_filename or "-"
    fixed = changed = remaining = 0
    for p in files:
        shown = stdin_name if p == "-" else p
        try:
            text, bom, res = _fix_one(p, settings, args.unsafe_fixes, args.stdin_filename)
        except SourceError as exc:
            _err(f"{shown}: {exc}")
            status = 2
            continue
        except Exception as exc:  # pragma: no cover - engine bug
            _err(f"{shown}: internal error while fixing: {type(exc).__name__}: {exc}")
            status = 2
            continue
        _report_fix_notes(shown, res)
        remaining += len(res.remaining)
        differs = res.text != text
        if differs:
            fixed += len(res.applied)
            changed += 1
        if args.check and differs:
            codes = ", ".join(sorted({c for c, _ in res.applied}))
            sys.stderr.write(f"Would fix {shown}: {_n(len(res.applied), 'problem')} ({codes})\n")
        if not _emit(p, shown, text, res.text, bom, args):
            status = 2
    verb = "Would fix" if dry else "Fixed"
    sys.stderr.write(f"{verb} {_n(fixed, 'problem')} in {_n(changed, 'file')}; {remaining} remaining\n")
    if dry and changed:
        status = max(status, 1)
    return status


# -- format -------------------------------------------------------------------


def _unified(old: str, new: str, shown: str, absolute: bool) -> str:
    import difflib

    a, b = (shown, shown) if absolute else (f"a/{shown}", f"b/{shown}")
    diff = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), fromfile=a, tofile=b)
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in diff)


def _emit(p: str, shown: str, old: str, new: str, bom: bool, args: argparse.Namespace) -> bool:
    """Output of ``fix``/``format`` for one input: the diff (``--diff``),
    nothing more when dry (``--diff``/``--check``), else stdin's text on
    stdout or the file rewritten when it changed. False after a write error."""
    if args.diff and new != old:
        _write(_unified(old, new, shown, p == "-" or os.path.isabs(shown)))
    if args.diff or args.check:
        return True
    if p == "-":
        _write(new if not bom else "\ufeff" + new)
    elif new != old:
        try:
            write_back(p, _encode(new, bom))
        except OSError as exc:
            _err(f"{p}: cannot write: {(exc.strerror or str(exc)).lower()}")
            return False
    return True


def _cmd_format(args: argparse.Namespace) -> int:
    from dockwise.editor.formatting import FormatOptions, format_text

    if not 1 <= args.indent <= 16:
        _err(f"--indent expects 1 to 16, got {args.indent}")
        return 2
    options = FormatOptions(tab_size=args.indent, insert_spaces=not args.tabs)
    files, input_errors = expand_paths(args.paths or ["."])
    for e in input_errors:
        _err(str(e))
    status = 2 if input_errors else 0
    dry = args.diff or args.check
    changed = 0
    for p in files:
        shown = (args.stdin_filename or "-") if p == "-" else p
        try:
            text, bom = _read_for_fix(p)
            new = format_text(text, options)
        except SourceError as exc:
            _err(f"{shown}: {exc}")
            status = 2
            continue
        except Exception as exc:  # pragma: no cover - formatter bug
            _err(f"{shown}: internal error while formatting: {type(exc).__name__}: {exc}")
            status = 2
            continue
        differs = new != text
        changed += differs
        if args.check and differs:
            sys.stderr.write(f"Would reformat {shown}\n")
        if not _emit(p, shown, text, new, bom, args):
            status = 2
    verb = "Would reformat" if dry else "Reformatted"
    sys.stderr.write(f"{verb} {_n(changed, 'file')}; {_n(len(files) - changed, 'file')} unchanged\n")
    if dry and changed:
        status = max(status, 1)
    return status


# -- parse --------------------------------------------------------------------


def _cmd_parse(args: argparse.Namespace) -> int:
    import json

    from dockwise.syntax.parser import dump_buildkit, dump_json, parse

    try:
        if args.file == "-":
            text = decode_source(sys.stdin.buffer.read())
        else:
            text = read_source(args.file)
    except SourceError as exc:
        _err(f"{args.file}: {exc}")
        return 2
    df = parse(text, path=None if args.file == "-" else args.file)
    if args.format == "json":
        _write(json.dumps(dump_json(df), indent=2, ensure_ascii=False) + "\n")
    else:
        _write(dump_buildkit(df))
    shown = args.file
    status = 0
    for e in df.errors:
        where = f"{shown}:{e.span.start.line + 1}:{e.span.start.col + 1}"
        if e.severity == "error":
            status = 1
            sys.stderr.write(f"{where}: {e.message}\n")
        else:
            sys.stderr.write(f"{where}: {e.severity}: {e.message}\n")
    return status


# -- rule ---------------------------------------------------------------------


def _cmd_rule(args: argparse.Namespace) -> int:
    from dockwise import rules as registry

    if args.all:
        width_c = max((len(r.code) for r in registry.ALL_RULES), default=0)
        width_n = max((len(r.meta.name) for r in registry.ALL_RULES), default=0)
        lines = []
        for r in registry.ALL_RULES:
            off = "" if r.meta.default_enabled else " (off by default)"
            lines.append(f"{r.code:<{width_c}}  {r.meta.name:<{width_n}}  {r.meta.summary}{off}".rstrip())
        _write("".join(line + "\n" for line in lines))
        return 0
    if not args.key:
        _err("rule: give a rule code, name or alias, or --all")
        return 2
    r = registry.get(args.key)
    fam = registry.subcode(args.key) if r is None else None
    if fam is not None:
        return _rule_subcode(fam, args.key.strip().upper())
    if r is None:
        import difflib

        keys = sorted({k for x in registry.ALL_RULES for k in (x.code, x.meta.name, *x.meta.aliases)})
        close = difflib.get_close_matches(args.key, keys, n=3)
        hint = f" (did you mean: {', '.join(close)}?)" if close else ""
        _err(f"unknown rule {args.key!r}{hint}; see 'dockwise rule --all'")
        return 2
    m = r.meta
    head = [
        f"{m.code} {m.name}",
        f"summary: {m.summary}",
        f"severity: {m.severity.label}",
        f"tags: {', '.join(sorted(m.tags)) or '-'}",
        f"aliases: {', '.join(m.aliases) or '-'}",
        f"fixable: {'yes' if m.fixable else 'no'}",
        f"enabled by default: {'yes' if m.default_enabled else 'no'}",
        f"scope: {m.scope}",
        f"url: {m.url}",
    ]
    text = "\n".join(head) + "\n"
    if m.docs:
        text += "\n" + m.docs.rstrip("\n") + "\n"
    _write(text)
    return 0


def _rule_subcode(r: Any, code: str) -> int:
    """``dockwise rule SC2086``: one code of a family rule (ShellCheck's)."""
    m = r.meta
    url = m.subcode_url.format(code=code) if m.subcode_url else m.url
    lines = [f"{code} (ShellCheck)"] if m.code == "SC" else [code]
    if m.code == "SC":
        from dockwise.rules.shellcheck import EXCLUDED

        lines += [
            f"{code} is a ShellCheck check, run on the shell script of every RUN by the rule {m.code} ({m.name}).",
            f"documentation: {url}",
            "severity: ShellCheck's own for each finding (error, warning, info or style)",
            f"select or turn off on its own: --select {code}, --ignore {code}, --severity {code}=LEVEL, "
            f"ignored: [{code}] in .hadolint.yaml, # hadolint ignore={code} above the instruction, "
            f"# shellcheck disable={code} inside a heredoc script",
        ]
        if code[2:].isdigit() and int(code[2:]) in EXCLUDED:
            lines.append(f"note: not reported; hadolint leaves {code} out and so does dockwise")
        lines.append(f"how dockwise runs ShellCheck: dockwise rule {m.name}")
    else:
        lines += [f"one of the codes of the rule {m.code} ({m.name})", f"documentation: {url}"]
    _write("\n".join(lines) + "\n")
    return 0


# -- serve --------------------------------------------------------------------


def _cmd_serve(args: argparse.Namespace) -> int:
    tcp = None
    if args.tcp:
        host, sep, port = args.tcp.rpartition(":")
        if not sep or not port.isdigit():
            _err(f"--tcp expects HOST:PORT, got {args.tcp!r}")
            return 2
        tcp = (host.strip("[]") or "127.0.0.1", int(port))
    from dockwise.lsp.boot import serve  # lazy: only the server needs the LSP libraries (loaded after start-up)
    from dockwise.lsp.logs import LogFileError

    try:
        rc = serve(tcp=tcp, log_file=args.log_file)
    except LogFileError as exc:
        _err(str(exc))
        return 2
    return rc if isinstance(rc, int) else 0


# -- completion ---------------------------------------------------------------------


def _cmd_completion(args: argparse.Namespace) -> int:
    from dockwise.cli.completion import script

    _write(script(args.shell, _build_parser()))
    return 0


# -- entry point --------------------------------------------------------------


COMMANDS = ("lint", "fix", "format", "parse", "rule", "serve", "completion")
_TOP_LEVEL = ("-h", "--help", "-v", "--version")


def hadolint_style(argv: Sequence[str]) -> bool:
    """True when ``argv`` is a hadolint command line (no dockwise command):
    it is then run as ``dockwise lint ARGV``. A bare ``dockwise`` (no
    arguments) and ``-h``/``-v`` on their own stay top-level."""
    if not argv:
        return False
    first = argv[0]
    if first in COMMANDS:
        return False
    return not (first in _TOP_LEVEL and len(argv) == 1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args_list = list(argv) if argv is not None else sys.argv[1:]
    if hadolint_style(args_list):
        args_list = ["lint", *args_list]
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # --help/--version (0) or a usage error (2)
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 2)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    handler = {
        "lint": _cmd_lint,
        "fix": _cmd_fix,
        "parse": _cmd_parse,
        "rule": _cmd_rule,
        "serve": _cmd_serve,
        "format": _cmd_format,
        "completion": _cmd_completion,
    }[args.command]
    try:
        return handler(args)
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return 130
    except BrokenPipeError:
        # stdout closed early (e.g. `| head`): stay quiet
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 1

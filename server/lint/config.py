"""Configuration files: hadolint's ``.hadolint.yaml`` and dockwise's TOML.

Sources and precedence (lowest first; a later source wins)::

    defaults
    < HADOLINT_* environment variables      (command line only, as hadolint)
    < hadolint's config file                (.hadolint.yaml / .hadolint.yml, …)
    < dockwise's config file                (dockwise.toml, else pyproject.toml [tool.dockwise])
    < LSP settings                          (language server only)
    < command-line options                  (CLI only)

How values combine:

* The environment and the config files form one *configuration layer*:
  list options concatenate (``ignored`` + ``ignore`` + ``extend-select``),
  scalars take the last value set (``failure-threshold``, ``no-fail``,
  ``disable-ignore-pragma``), ``severity`` maps merge (same selector: the
  later file wins; otherwise the more specific selector wins: ``ALL`` <
  ``tag:x`` < prefix < exact code/name/alias), per-rule ``options`` merge per
  key. hadolint's ``override`` lists map to ``severity``; a code in several
  lists takes the most severe, as in hadolint.
* LSP settings and the command line are layers on top
  (:class:`dockwise.lint.engine.LintSettings` ``base``): a ``select`` there
  *replaces* the selection the configuration produced and
  ``extend-select``/``ignore`` add to and remove from it, but a rule the
  configuration ignores stays ignored unless the upper layer names it exactly
  (code, name or alias; not a prefix, tag or ``ALL``) in ``select`` or
  ``extend-select``. ``severity`` entries are applied after the
  configuration's. ``disable-ignore-pragma`` is on when any source turns it on.

Where the files are looked for (the language server uses the workspace folder
that contains the document instead of the current directory; for a document
outside every folder, the document's own directory, never a parent):

1. hadolint (the first that exists, exclusively, as hadolint):
   ``./.hadolint.yaml``, ``./.hadolint.yml``,
   ``$XDG_CONFIG_HOME/hadolint.yaml|yml`` (``~/.config`` when unset),
   ``~/.hadolint/hadolint.yaml|yml``, ``~/.hadolint/config.yaml|yml``,
   ``~/.hadolint.yaml|yml``.
2. dockwise: ``./dockwise.toml`` (top-level keys), else ``./pyproject.toml``
   when it has a ``[tool.dockwise]`` table. Neither is searched in parents.

``--config FILE`` (CLI) reads only that file (``.yaml``/``.yml``: hadolint's
format; ``pyproject.toml``: its ``[tool.dockwise]``; other ``.toml``:
dockwise's) and disables the search, like hadolint's ``-c``; ``--no-config``
reads no file.

Bad configuration is never silent, and never fatal: an unknown key, a value of
the wrong type, an unknown rule or unparsable YAML/TOML gives one
:class:`ConfigProblem` naming the file, the line and the key; the key (or, for
a file that does not parse, the file) is skipped and the rest applies. An
output format dockwise does not write is an *error* (the command line exits 2).

hadolint's rule settings become rule options (:func:`hadolint_rule_options`):
``trustedRegistries`` → DL3026's ``trusted-registries``; ``label-schema`` and
``strict-labels`` → ``label-schema``/``strict-labels`` of each label rule
DL3049–DL3058. As in hadolint, trusted registries from the environment and the
file add up, a label named by both keeps the environment's type, and the last
``strict-labels`` wins; a dockwise file's ``options`` for those rules apply on
top. A code in hadolint's ``override`` lists that names a rule hadolint keeps
off by default (DL1001, DL3057) turns it on, as in hadolint.

Config files are untrusted input: YAML is read with the safe loader only, TOML
with :mod:`tomllib`; no key names a path or runs anything; a workspace-level
file that is a symbolic link to a file outside the workspace is not read; only
regular files of at most 1 MiB are read.

No LSP imports; the rule registry is imported lazily (to check rule names).
"""
from __future__ import annotations

import difflib
import os
import re
import stat
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from dockwise import lazyre

if TYPE_CHECKING:  # pragma: no cover
    from dockwise.lint.engine import LintSettings

THRESHOLDS = ("error", "warning", "info", "style", "ignore", "none")
from dockwise.lint.report import FORMATS  # noqa: E402  (every --format value)
MAX_BYTES = 1 << 20

HADOLINT_NAMES = (".hadolint.yaml", ".hadolint.yml")
DOCKWISE_TOML = "dockwise.toml"
PYPROJECT = "pyproject.toml"
# basenames that may hold configuration (for file watchers and "is this a config document")
CONFIG_BASENAMES = frozenset(
    {*HADOLINT_NAMES, "hadolint.yaml", "hadolint.yml", "config.yaml", "config.yml", DOCKWISE_TOML, PYPROJECT}
)
WATCH_GLOBS = ("**/.hadolint.{yaml,yml}", f"**/{DOCKWISE_TOML}", f"**/{PYPROJECT}")

LEVEL_ALIASES = {
    "error": "error",
    "warning": "warning",
    "warn": "warning",
    "info": "info",
    "information": "info",
    "style": "style",
    "hint": "style",
    "off": "off",
    "ignore": "off",
    "none": "off",
}
_HADOLINT_LEVELS = ("style", "info", "warning", "error")  # applied in this order: error wins
_TRUTHY_ENV = {"1", "y", "on", "true", "yes"}

HADOLINT_KEYS = (
    "ignored",
    "override",
    "trustedRegistries",
    "failure-threshold",
    "no-fail",
    "label-schema",
    "strict-labels",
    "disable-ignore-pragma",
    "no-color",
    "verbose",
    "format",
    "formats",
)
DOCKWISE_KEYS = (
    "select",
    "extend-select",
    "ignore",
    "severity",
    "failure-threshold",
    "disable-ignore-pragma",
    "options",
    "final-image-only",
    "build",
)
BUILD_KEYS = ("args", "target", "platform", "context")
UNSUPPORTED_NOTES: dict[str, str] = {}  # hadolint keys accepted but not used (none today)
LABEL_RULES = tuple(f"DL{n}" for n in range(3049, 3059))  # the label-schema rules
LABEL_TYPES = ("text", "url", "semver", "hash", "rfc3339", "spdx", "email")


def hadolint_rule_options(
    trusted: Iterable[str] | None = None,
    schema: Mapping[str, str] | None = None,
    strict: bool | None = None,
) -> dict[str, dict]:
    """hadolint's rule settings as dockwise rule options (by code), for
    :class:`dockwise.lint.engine.LintSettings` ``options``.

    ``trusted``: hadolint's ``trustedRegistries`` / ``--trusted-registry``
    (DL3026's ``trusted-registries``); ``schema``: ``label-schema`` /
    ``--require-label name:type``, label → type (text, url, semver, hash,
    rfc3339, spdx, email; ``""`` means text); ``strict``: ``strict-labels`` /
    ``--strict-labels``. ``None`` leaves the option unset (so a lower layer's
    value stays); each of DL3049–DL3058 gets both label options.
    """
    out: dict[str, dict] = {}
    if trusted is not None:
        out["DL3026"] = {"trusted-registries": [str(t) for t in trusted]}
    label: dict[str, object] = {}
    if schema is not None:
        label["label-schema"] = {str(k): (str(v) if v else "text") for k, v in schema.items()}
    if strict is not None:
        label["strict-labels"] = bool(strict)
    if label:
        for code in LABEL_RULES:
            out[code] = dict(label)
    return out


def parse_label_spec(text: str) -> tuple[str, str]:
    """``name:type`` (``--require-label``, ``HADOLINT_REQUIRE_LABELS``) →
    (name, type); a missing or empty type is ``text``. Raises ValueError
    naming the accepted types."""
    name, _, t = text.partition(":")
    name, t = name.strip(), t.strip()
    if not name:
        raise ValueError(f"{text!r}: expected LABEL:TYPE")
    if t and t not in LABEL_TYPES:
        raise ValueError(f"label {name!r}: unknown type {t!r} (one of {', '.join(LABEL_TYPES)})")
    return name, t or "text"


# -- results -----------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigProblem:
    """One message about a configuration source. ``line`` is 1-based (0: the
    source has no lines, e.g. an environment variable)."""

    path: str
    line: int
    message: str
    key: str | None = None
    severity: str = "warning"  # "error" (the CLI cannot go on: --config FILE missing), "warning", "info"
    column: int = 1  # 1-based

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line > 0 else self.path
        return f"{where}: {self.message}"


@dataclass
class FileConfig:
    """What one source (a file, or the environment) sets; None/empty = unset."""

    path: str
    kind: str  # "hadolint" | "dockwise" | "env"
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)  # selector → error|warning|info|style|off
    options: dict[str, dict] = field(default_factory=dict)  # rule key → options
    failure_threshold: str | None = None
    no_fail: bool | None = None
    disable_ignore_pragma: bool | None = None
    no_color: bool | None = None
    verbose: bool | None = None
    formats: list[str] | None = None  # output formats (hadolint's format/formats, HADOLINT_FORMAT)
    trusted_registries: list[str] | None = None  # hadolint's trustedRegistries
    label_schema: dict[str, str] | None = None  # hadolint's label-schema (label → type)
    strict_labels: bool | None = None  # hadolint's strict-labels
    unsupported: dict[str, Any] = field(default_factory=dict)  # hadolint keys stored, not used (none today)
    final_image_only: list[str] = field(default_factory=list)  # rule selectors
    build: dict[str, Any] = field(default_factory=dict)  # [build]: args, target, platform, context
    # where things were written: selector / ("key", k) / ("options", rule) → (line, key name)
    lines: dict[Any, tuple[int, str]] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class Config:
    """The configuration layer: sources lowest precedence first, plus problems."""

    sources: list[FileConfig] = field(default_factory=list)
    problems: list[ConfigProblem] = field(default_factory=list)
    searched: list[str] = field(default_factory=list)  # every path looked at (for change detection)
    stamp: tuple = ()  # file_signature(searched) when read

    def changed_on_disk(self) -> bool:
        return self.signature() != self.stamp

    @property
    def files(self) -> list[str]:
        return [s.path for s in self.sources if s.kind != "env"]

    def _last(self, name: str) -> Any:
        value = None
        for s in self.sources:
            v = getattr(s, name)
            if v is not None:
                value = v
        return value

    @property
    def failure_threshold(self) -> str | None:
        return self._last("failure_threshold")

    @property
    def no_fail(self) -> bool | None:
        return self._last("no_fail")

    @property
    def disable_ignore_pragma(self) -> bool:
        return bool(self._last("disable_ignore_pragma"))

    @property
    def no_color(self) -> bool | None:
        return self._last("no_color")

    @property
    def verbose(self) -> bool | None:
        return self._last("verbose")

    @property
    def formats(self) -> list[str] | None:
        """The output formats of the last source that names any."""
        return self._last("formats")

    @property
    def format(self) -> str | None:
        f = self.formats
        return f[0] if f else None

    @property
    def unsupported(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for s in self.sources:
            out.update(s.unsupported)
        return out

    def hadolint_values(self) -> tuple[list[str] | None, dict[str, str] | None, bool | None]:
        """(trusted registries, label schema, strict labels) combined over the
        sources as hadolint combines them: registries add up, the first source
        naming a label keeps it, the last ``strict-labels`` wins. None: unset."""
        trusted: list[str] | None = None
        schema: dict[str, str] | None = None
        for s in self.sources:
            if s.trusted_registries is not None:
                trusted = (trusted or []) + [r for r in s.trusted_registries if r not in (trusted or [])]
            if s.label_schema is not None:
                schema = dict(schema or {})
                for k, v in s.label_schema.items():
                    schema.setdefault(k, v)
        return trusted, schema, self._last("strict_labels")

    def lint_settings(self, base: "LintSettings | None" = None) -> "LintSettings":
        """The configuration layer as engine settings."""
        from dockwise.lint.engine import LintSettings

        select: list[str] | None = self._last("select")
        extend: list[str] = []
        ignore: list[str] = []
        severity: dict[str, str] = {}
        options: dict[str, dict] = hadolint_rule_options(*self.hadolint_values())
        final: list[str] = []
        build: dict[str, Any] = {}
        for s in self.sources:
            extend += s.extend_select
            ignore += s.ignore
            severity.update(s.severity)
            final += s.final_image_only
            for k, v in s.options.items():
                options.setdefault(_rule_code(k), {}).update(v)
            for k, v in s.build.items():
                if k == "args":
                    build.setdefault("args", {}).update(v)
                else:
                    build[k] = v
        return LintSettings.make(
            select=select,
            extend_select=extend,
            ignore=ignore,
            severity=severity,
            disable_ignore_pragma=self.disable_ignore_pragma,
            options=options,
            base=base,
            build=build or None,
            final_image_only=final,
        )

    def signature(self) -> tuple:
        """Changes when any file looked at appears, disappears or changes."""
        return file_signature(self.searched)


def file_signature(paths: Iterable[str]) -> tuple:
    out = []
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            out.append((p, None))
        else:
            out.append((p, st.st_mtime_ns, st.st_size))
    return tuple(out)


def _enable_overridden(fc: "FileConfig") -> None:
    """hadolint turns on a rule that is off by default (DL1001, DL3057) when
    its ``override`` lists name it: select it too."""
    try:
        from dockwise import rules as registry
    except Exception:  # pragma: no cover - registry import failure is reported elsewhere
        return
    for c in fc.severity:
        r = registry.get(c)
        if r is not None and not r.meta.default_enabled and c not in fc.extend_select:
            fc.extend_select.append(c)


def _rule_code(key: str) -> str:
    try:
        from dockwise import rules as registry

        r = registry.get(key)
    except Exception:  # pragma: no cover - registry import failure is reported elsewhere
        r = None
    return r.code if r is not None else key


# -- search -------------------------------------------------------------------------


def _home(environ: Mapping[str, str]) -> str:
    home = environ.get("HOME") or os.path.expanduser("~")
    return home


def hadolint_candidates(root: str | None, environ: Mapping[str, str] | None = None) -> list[str]:
    """hadolint's search order (Configfile.hs), ``root`` in place of the cwd."""
    env = os.environ if environ is None else environ
    out: list[str] = []
    if root:
        out += [os.path.join(root, n) for n in HADOLINT_NAMES]
    home = _home(env)
    xdg = env.get("XDG_CONFIG_HOME") or ""
    if not os.path.isabs(xdg):
        xdg = os.path.join(home, ".config")
    out += [os.path.join(xdg, "hadolint.yaml"), os.path.join(xdg, "hadolint.yml")]
    app = os.path.join(home, ".hadolint")
    out += [os.path.join(app, n) for n in ("hadolint.yaml", "hadolint.yml", "config.yaml", "config.yml")]
    out += [os.path.join(home, n) for n in HADOLINT_NAMES]
    return out


def dockwise_candidates(root: str | None) -> list[str]:
    if not root:
        return []
    return [os.path.join(root, DOCKWISE_TOML), os.path.join(root, PYPROJECT)]


def _inside(root: str, path: str) -> bool:
    try:
        real_root = os.path.realpath(root)
        real = os.path.realpath(path)
    except (OSError, ValueError):
        return False
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def _read(path: str, problems: list[ConfigProblem], shown: str, root: str | None) -> str | None:
    """The text of a config file, or None (with a problem when it exists but
    cannot be used)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        problems.append(ConfigProblem(shown, 0, f"cannot read: {exc.strerror or exc}"))
        return None
    if not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            return None
        problems.append(ConfigProblem(shown, 0, "not a regular file; not read"))
        return None
    if root is not None and not _inside(root, path):
        problems.append(ConfigProblem(shown, 0, "links to a file outside the workspace; not read"))
        return None
    if st.st_size > MAX_BYTES:
        problems.append(ConfigProblem(shown, 0, f"larger than {MAX_BYTES // 1024} KiB; not read"))
        return None
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        problems.append(ConfigProblem(shown, 0, f"cannot read: {exc.strerror or exc}"))
        return None
    if len(data) > MAX_BYTES:
        problems.append(ConfigProblem(shown, 0, f"larger than {MAX_BYTES // 1024} KiB; not read"))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(ConfigProblem(shown, line, "not valid UTF-8; the file is ignored"))
        return None


def _display(path: str, cwd: str | None) -> str:
    if cwd:
        try:
            rel = os.path.relpath(path, cwd)
        except ValueError:
            rel = None
        if rel is not None and not rel.startswith(os.pardir):
            return rel
    return path


def load_config(
    root: str | None,
    *,
    explicit: str | None = None,
    search: bool = True,
    environ: Mapping[str, str] | None = None,
    use_env: bool = False,
    display_root: str | None = None,
) -> Config:
    """Read the configuration for ``root`` (the cwd, or a workspace folder).

    ``explicit``: read only this file (``--config``). ``search=False``: no
    files (``--no-config``). ``use_env``: include ``HADOLINT_*`` variables (the
    CLI). Never raises; problems are in :attr:`Config.problems`, paths shown
    relative to ``display_root`` when inside it.
    """
    env = os.environ if environ is None else environ
    cfg = Config()
    try:
        if use_env:
            e = env_config(env, cfg.problems)
            if e is not None:
                cfg.sources.append(e)
        if explicit is not None:
            _load_explicit(cfg, explicit, display_root)
        elif search:
            _search(cfg, root, env, display_root)
        _check_rules(cfg)
    except Exception as exc:  # pragma: no cover - belt and braces: configuration must not crash linting
        cfg.problems.append(ConfigProblem("configuration", 0, f"internal error reading configuration: "
                                                              f"{type(exc).__name__}: {exc}"))
    _report_unsupported(cfg)
    _report_strict_without_schema(cfg)
    cfg.stamp = file_signature(cfg.searched)
    order: dict[str, int] = {}
    for p in cfg.problems:
        order.setdefault(p.path, len(order))
    cfg.problems.sort(key=lambda p: (order[p.path], p.line))
    return cfg


def _load_explicit(cfg: Config, path: str, display_root: str | None) -> None:
    shown = _display(path, display_root)
    cfg.searched.append(path)
    if not os.path.exists(path):
        cfg.problems.append(ConfigProblem(shown, 0, "config file not found", severity="error"))
        return
    before = len(cfg.problems)
    text = _read(path, cfg.problems, shown, None)
    if text is None:
        if len(cfg.problems) == before:
            cfg.problems.append(ConfigProblem(shown, 0, "not a config file", severity="error"))
        else:
            cfg.problems[-1] = _as_error(cfg.problems[-1])
        return
    base = os.path.basename(path).lower()
    if base.endswith((".yaml", ".yml")):
        fc = parse_hadolint(text, shown, cfg.problems)
    elif base == PYPROJECT:
        fc = parse_dockwise_toml(text, shown, cfg.problems, pyproject=True)
    elif base.endswith(".toml"):
        fc = parse_dockwise_toml(text, shown, cfg.problems, pyproject=False)
    else:
        cfg.problems.append(ConfigProblem(
            shown, 0, "unknown config format: use .yaml/.yml (hadolint's keys) or .toml (dockwise's keys)",
            severity="error"))
        return
    if fc is not None:
        _anchor_paths(fc, path, None, cfg.problems)  # a file named on the command line: the user's choice
        cfg.sources.append(fc)
    elif base == PYPROJECT and not any(p.path == shown for p in cfg.problems):
        cfg.problems.append(ConfigProblem(shown, 0, "has no [tool.dockwise] table; nothing to use"))


# rule options that name a folder: relative to the configuration file's folder,
# and (for files found in a workspace) never outside it
_PATH_OPTIONS = {"DW009": ("context",)}


def _anchor_paths(fc: "FileConfig", config_path: str, root: str | None, problems: list[ConfigProblem]) -> None:
    folder = os.path.dirname(os.path.abspath(config_path))
    ctx = fc.build.get("context")
    if isinstance(ctx, str):
        line, name = fc.lines.get(("key", "build"), (0, "build"))
        resolved = os.path.normpath(os.path.join(folder, os.path.expanduser(ctx)))
        if root is not None and not _inside(root, resolved):
            problems.append(ConfigProblem(fc.path, line, f"'{name}.context' = {ctx!r} is outside the workspace "
                                                         f"({root}); ignored", f"{name}.context"))
            del fc.build["context"]
        else:
            fc.build["context"] = resolved
    for rk, opts in list(fc.options.items()):
        for key in _PATH_OPTIONS.get(_rule_code(rk), ()):
            if key not in opts:
                continue
            value = opts[key]
            line, name = fc.lines.get(("options", rk), (0, None))
            shown_key = f"{name or 'options.' + rk}.{key}"
            if not isinstance(value, str) or not value.strip():
                problems.append(ConfigProblem(fc.path, line, f"'{shown_key}' must be a folder path; ignored", shown_key))
                del opts[key]
                continue
            resolved = os.path.normpath(os.path.join(folder, os.path.expanduser(value)))
            if root is not None and not _inside(root, resolved):
                problems.append(ConfigProblem(
                    fc.path, line, f"'{shown_key}' = {value!r} is outside the workspace ({root}); ignored", shown_key))
                del opts[key]
                continue
            opts[key] = resolved


def _as_error(p: ConfigProblem) -> ConfigProblem:
    return ConfigProblem(p.path, p.line, p.message, p.key, "error", p.column)


def _search(cfg: Config, root: str | None, env: Mapping[str, str], display_root: str | None) -> None:
    # hadolint: the first file that exists wins
    for path in hadolint_candidates(root, env):
        cfg.searched.append(path)
        if not os.path.exists(path) or os.path.isdir(path):
            continue
        in_root = root is not None and os.path.dirname(path) == root
        shown = _display(path, display_root)
        text = _read(path, cfg.problems, shown, root if in_root else None)
        if text is not None:
            fc = parse_hadolint(text, shown, cfg.problems)
            if fc is not None:
                cfg.sources.append(fc)
        break
    # dockwise: dockwise.toml, else pyproject.toml with [tool.dockwise]
    used = None
    for path in dockwise_candidates(root):
        cfg.searched.append(path)
        if not os.path.isfile(path):
            continue
        shown = _display(path, display_root)
        is_pyproject = os.path.basename(path) == PYPROJECT
        if used is not None:
            if is_pyproject:
                text = _read(path, [], shown, root)
                if text is not None and _mentions_dockwise(text):
                    cfg.problems.append(ConfigProblem(
                        shown, _toml_line(text.splitlines(), ("tool", "dockwise"), None),
                        f"[tool.dockwise] is not used: {used} takes precedence", severity="info"))
            continue
        text = _read(path, cfg.problems, shown, root)
        if text is None:
            continue
        if is_pyproject and not _mentions_dockwise(text):
            continue
        fc = parse_dockwise_toml(text, shown, cfg.problems, pyproject=is_pyproject)
        if fc is not None:
            _anchor_paths(fc, path, root, cfg.problems)
            cfg.sources.append(fc)
            used = shown


def _mentions_dockwise(text: str) -> bool:
    return re.search(r"^\s*\[\s*tool\s*\.\s*[\"']?dockwise\b|^\s*tool\s*\.\s*[\"']?dockwise\b|"
                     r"^\s*dockwise\s*=", text, re.M) is not None


# -- shared validation ------------------------------------------------------------------


def _did_you_mean(key: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _type_name(v: Any, toml: bool = False) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, (list, tuple)):
        return "a list"
    if isinstance(v, dict):
        return "a table" if toml else "a mapping"
    return type(v).__name__


def _selector_known(sel: str) -> bool:
    from dockwise import rules as registry

    if registry.resolve(sel):
        return True
    from dockwise.lint.pragmas import HADOLINT_CODES

    # ShellCheck codes and the codes hadolint retired (DL3005, …) pass quietly:
    # hadolint configurations name them (every other DL code is a rule)
    return re.fullmatch(r"(?i)SC\d{4}", sel.strip()) is not None or sel.strip().upper() in HADOLINT_CODES


def _check_rules(cfg: Config) -> None:
    """Unknown rule selectors in the sources (after the structural checks)."""
    for s in cfg.sources:
        lines_of = s.lines
        for sel in [*(s.select or ()), *s.extend_select, *s.ignore, *s.severity, *s.final_image_only]:
            if not _selector_known(sel):
                line, key = lines_of.get(sel, (0, None))
                cfg.problems.append(ConfigProblem(s.path, line, (f"'{key}': " if key else "") + f"unknown rule "
                                                                f"'{sel}' (matches no rule)", key))
        for k in s.options:
            from dockwise import rules as registry

            if registry.get(k) is None:
                line, key = lines_of.get(("options", k), (0, None))
                cfg.problems.append(ConfigProblem(s.path, line, f"options for unknown rule '{k}'", key))


def _report_unsupported(cfg: Config) -> None:
    seen: set[str] = set()
    for s in cfg.sources:
        for k in s.unsupported:
            if k in seen:
                continue
            seen.add(k)
            line = s.lines.get(("key", k), (0, None))[0]
            what = UNSUPPORTED_NOTES.get(k)
            cfg.problems.append(ConfigProblem(
                s.path, line, f"'{k}' is not supported by dockwise yet" + (f" ({what}); kept" if what else "; kept"),
                k, severity="info"))


def _report_strict_without_schema(cfg: Config) -> None:
    """``strict-labels`` on with no ``label-schema`` anywhere: every LABEL is
    superfluous (DL3050), as in hadolint. Worth a note where it was turned on."""
    trusted, schema, strict = cfg.hadolint_values()
    if not strict or schema:
        return
    for s in reversed(cfg.sources):
        if s.strict_labels:
            line = s.lines.get(("key", "strict-labels"), (0, None))[0]
            key = "strict-labels" if s.kind != "env" else "HADOLINT_STRICT_LABELS"
            cfg.problems.append(ConfigProblem(
                s.path, line, f"'{key}' is on but no 'label-schema' is set: every LABEL is reported as "
                              "superfluous (DL3050)", key, severity="info"))
            return


# -- hadolint's YAML ------------------------------------------------------------------


class _Yaml:
    """Helpers over composed YAML nodes (for line numbers)."""

    @staticmethod
    def line(node: Any) -> int:
        return node.start_mark.line + 1 if node is not None and getattr(node, "start_mark", None) else 1

    @staticmethod
    def pairs(node: Any) -> list[tuple[Any, Any]]:
        import yaml

        if isinstance(node, yaml.MappingNode):
            return list(node.value)
        return []

    @staticmethod
    def items(node: Any) -> list[Any]:
        import yaml

        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        return []


def parse_hadolint(text: str, shown: str, problems: list[ConfigProblem]) -> FileConfig | None:
    """hadolint's keys from ``text``; None when it does not parse."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        col = mark.column + 1 if mark is not None else 1
        what = "; ".join(x for x in (exc.context, exc.problem) if x)
        problems.append(ConfigProblem(shown, line, f"invalid YAML: {what} (column {col}); the file is ignored",
                                      column=col))
        return None
    except yaml.YAMLError as exc:
        pos = getattr(exc, "position", None)
        line = text[:pos].count("\n") + 1 if isinstance(pos, int) else 1
        reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
        problems.append(ConfigProblem(shown, line, f"invalid YAML: {reason}; the file is ignored"))
        return None
    except RecursionError:
        problems.append(ConfigProblem(shown, 1, "invalid YAML: nested too deeply; the file is ignored"))
        return None
    fc = FileConfig(shown, "hadolint")
    lines = fc.lines
    if data is None:
        return fc
    if not isinstance(data, dict):
        problems.append(ConfigProblem(shown, _Yaml.line(node), "expected a mapping of hadolint settings "
                                                                f"(key: value), got {_type_name(data)}; "
                                                                "the file is ignored"))
        return None

    key_nodes: dict[str, tuple[Any, Any]] = {}
    counts: dict[str, int] = {}
    for kn, vn in _Yaml.pairs(node):
        raw = str(getattr(kn, "value", ""))
        counts[raw] = counts.get(raw, 0) + 1
        if counts[raw] == 2:
            problems.append(ConfigProblem(shown, _Yaml.line(kn), f"duplicate key '{raw}'; the last one is used", raw))
        key_nodes[raw] = (kn, vn)

    def where(key: str) -> tuple[int, Any]:
        kn, vn = key_nodes.get(key, (None, None))
        return (_Yaml.line(kn) if kn is not None else _Yaml.line(node)), vn

    def bad(key: str, line: int, msg: str, severity: str = "warning") -> None:
        problems.append(ConfigProblem(shown, line, f"'{key}': {msg}", key, severity))

    def code_list(key: str, value: Any, vn: Any, line: int) -> list[str] | None:
        if not isinstance(value, list):
            bad(key, line, f"expected a list of rule codes, got {_type_name(value)}; ignored")
            return None
        out, wrong = [], []
        items = _Yaml.items(vn)
        for i, item in enumerate(value):
            if isinstance(item, str) and item.strip():
                out.append(item.strip())
                lines.setdefault(item.strip(), (_Yaml.line(items[i]) if i < len(items) else line, key))
            else:
                wrong.append(repr(item))
        if wrong:
            bad(key, line, f"ignoring entries that are not rule codes: {', '.join(wrong[:5])}"
                           + (" …" if len(wrong) > 5 else ""))
        return out

    def boolean(key: str, value: Any, line: int) -> bool | None:
        if isinstance(value, bool):
            return value
        bad(key, line, f"expected true or false, got {_type_name(value)} {value!r}; ignored")
        return None

    for key, value in data.items():
        k = str(key)
        line, vn = where(k)
        lines[("key", k)] = (line, k)
        if k == "ignored":
            codes = code_list(k, value, vn, line)
            if codes is not None:
                fc.ignore += codes
        elif k == "override":
            if value is None:
                continue
            if not isinstance(value, dict):
                bad(k, line, f"expected a mapping with error/warning/info/style lists, got {_type_name(value)}; ignored")
                continue
            sub_nodes = {str(getattr(a, "value", "")): (a, b) for a, b in _Yaml.pairs(vn)}
            per_level: dict[str, list[str]] = {}
            for sk, sv in value.items():
                skn, svn = sub_nodes.get(str(sk), (None, None))
                sline = _Yaml.line(skn) if skn is not None else line
                name = f"override.{sk}"
                if str(sk) not in _HADOLINT_LEVELS:
                    problems.append(ConfigProblem(
                        shown, sline, f"unknown key '{name}' (error, warning, info, style)"
                        + ("; hadolint has no 'ignore' override: use 'ignored'" if str(sk) in ("ignore", "off")
                           else _did_you_mean(str(sk), _HADOLINT_LEVELS)), name))
                    continue
                if sv is None:
                    continue
                codes = code_list(name, sv, svn, sline)
                if codes is not None:
                    per_level[str(sk)] = codes
            for level in _HADOLINT_LEVELS:  # error > warning > info > style
                for c in per_level.get(level, ()):
                    fc.severity[c] = level
            _enable_overridden(fc)
        elif k == "failure-threshold":
            if isinstance(value, str) and value.strip().lower() in THRESHOLDS:
                fc.failure_threshold = value.strip().lower()
            else:
                bad(k, line, f"expected one of {', '.join(THRESHOLDS)}, got {value!r}; ignored")
        elif k in ("no-fail", "disable-ignore-pragma", "no-color", "verbose", "strict-labels"):
            b = boolean(k, value, line)
            if b is None:
                continue
            if k == "no-fail":
                fc.no_fail = b
            elif k == "disable-ignore-pragma":
                fc.disable_ignore_pragma = b
            elif k == "no-color":
                fc.no_color = b
            elif k == "verbose":
                fc.verbose = b
            else:
                fc.strict_labels = b
        elif k == "trustedRegistries":
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                bad(k, line, f"expected a list of registry names, got {_type_name(value)} "
                             "(hadolint 2.15.1 rejects a plain string too); ignored")
                continue
            fc.trusted_registries = list(value)
        elif k == "label-schema":
            if not isinstance(value, dict):
                bad(k, line, f"expected a mapping of label → type, got {_type_name(value)}; ignored")
                continue
            schema = {}
            for lk, lv in value.items():
                t = "" if lv is None else lv
                if not isinstance(t, str) or t not in ("", *LABEL_TYPES):
                    bad(k, line, f"label '{lk}': type must be one of {', '.join(LABEL_TYPES)}, "
                                 f"got {lv!r}; ignored")
                    continue
                schema[str(lk)] = t or "text"
            fc.label_schema = schema
        elif k in ("format", "formats"):
            values = value if k == "formats" and isinstance(value, list) else [value]
            if k == "formats" and not isinstance(value, list):
                bad(k, line, f"expected a list of format names, got {_type_name(value)}; ignored")
                continue
            unknown = [f for f in values if not (isinstance(f, str) and f in FORMATS)]
            if unknown:
                bad(k, line, f"unknown output format {', '.join(map(repr, unknown))} "
                             f"(one of {', '.join(FORMATS)})", "error")
                continue
            fc.formats = list(values)
        else:
            problems.append(ConfigProblem(
                shown, line, f"unknown key '{k}'{_did_you_mean(k, HADOLINT_KEYS)}; ignored", k))
    return fc


# -- dockwise's TOML ---------------------------------------------------------------------


_TOML_POS = lazyre.compile(r"\(at line (\d+), column (\d+)\)")
_TOML_HEADER = lazyre.compile(r"^\s*\[(?!\[)\s*([^\[\]]+?)\s*\]")


def _dotted(text: str) -> tuple[str, ...]:
    return tuple(p.strip().strip("\"'") for p in text.split("."))


def _toml_line(lines: list[str], table: tuple[str, ...], key: str | None) -> int:
    """Best-effort 1-based line of ``key`` in ``[table]`` (a text search: the
    table's header, then a ``key =`` line inside it, then a ``[table.key]``
    header, then ``key =`` anywhere, e.g. in an inline table)."""
    own = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*[=.]") if key is not None else None
    anywhere = re.compile(r"(^|[\s{,.])[\"']?" + re.escape(key) + r"[\"']?\s*=") if key is not None else None
    headers = [(i, _dotted(m.group(1))) for i, ln in enumerate(lines) if (m := _TOML_HEADER.match(ln))]
    if table:
        hdr = next((i for i, t in headers if t == table), None)
    else:
        hdr = -1  # top-level keys come before the first header
    if hdr is not None and own is not None:
        end = next((i for i, _ in headers if i > hdr), len(lines))
        for i in range(hdr + 1, end):
            if own.match(lines[i]):
                return i + 1
    if key is not None:
        for i, t in headers:
            if t[: len(table) + 1] == (*table, key):
                return i + 1
        for i, ln in enumerate(lines):
            if anywhere.search(ln):  # type: ignore[union-attr]
                return i + 1
    if hdr is not None and hdr >= 0:
        return hdr + 1
    if table:
        return _toml_line(lines, table[:-1], table[-1])
    return 1


def parse_dockwise_toml(
    text: str, shown: str, problems: list[ConfigProblem], *, pyproject: bool
) -> FileConfig | None:
    """dockwise's keys from ``text`` (``[tool.dockwise]`` when ``pyproject``)."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_POS.search(msg)
        line = int(m.group(1)) if m else 1
        col = int(m.group(2)) if m else 1
        if m is None and "end of document" in msg:
            line = max(1, len(text.splitlines()))
            msg = msg.replace(" (at end of document)", " at the end of the file")
        reason = _TOML_POS.sub("", msg).strip()
        problems.append(ConfigProblem(shown, line, f"invalid TOML: {reason} (column {col}); the file is ignored",
                                      column=col))
        return None
    lines = text.splitlines()
    table_path: tuple[str, ...] = ("tool", "dockwise") if pyproject else ()
    table: Any = data
    if pyproject:
        tool = data.get("tool")
        table = tool.get("dockwise") if isinstance(tool, dict) else None
        if table is None:
            return None
        if not isinstance(table, dict):
            problems.append(ConfigProblem(shown, _toml_line(lines, ("tool",), "dockwise"),
                                          "'tool.dockwise' must be a table; ignored", "tool.dockwise"))
            return None
    prefix = "tool.dockwise." if pyproject else ""
    fc = FileConfig(shown, "dockwise")
    where = fc.lines

    def line_of(key: str, sub: str | None = None) -> int:
        if sub is None:
            return _toml_line(lines, table_path, key)
        return _toml_line(lines, (*table_path, key), sub)

    def bad(key: str, msg: str, line: int | None = None, severity: str = "warning") -> None:
        name = prefix + key
        problems.append(ConfigProblem(shown, line if line is not None else line_of(key), f"'{name}': {msg}",
                                      name, severity))

    def selectors(key: str, value: Any) -> list[str] | None:
        if not isinstance(value, list):
            bad(key, f"expected a list of rule selectors, got {_type_name(value, True)}; ignored")
            return None
        out, wrong = [], []
        for item in value:
            if isinstance(item, str) and item.strip():
                out.append(item.strip())
                where.setdefault(item.strip(), (line_of(key), prefix + key))
            else:
                wrong.append(repr(item))
        if wrong:
            bad(key, f"ignoring entries that are not rule selectors: {', '.join(wrong[:5])}")
        return out

    for key, value in table.items():
        where[("key", key)] = (line_of(key), prefix + key)
        if key == "select":
            got = selectors(key, value)
            if got is not None:
                fc.select = got
        elif key in ("extend-select", "ignore"):
            got = selectors(key, value)
            if got is not None:
                if key == "ignore":
                    fc.ignore += got
                else:
                    fc.extend_select += got
        elif key == "severity":
            if not isinstance(value, dict):
                bad(key, f"expected a table of rule → level, got {_type_name(value, True)}; ignored")
                continue
            for sk, sv in value.items():
                level = LEVEL_ALIASES.get(sv.strip().lower()) if isinstance(sv, str) else None
                if level is None:
                    bad(f"severity.{sk}", f"level must be error, warning, info, style or off, got {sv!r}; ignored",
                        line_of(key, sk))
                    continue
                fc.severity[sk] = level
                where.setdefault(sk, (line_of(key, sk), f"{prefix}severity"))
        elif key == "failure-threshold":
            if isinstance(value, str) and value.strip().lower() in THRESHOLDS:
                fc.failure_threshold = value.strip().lower()
            else:
                bad(key, f"expected one of {', '.join(THRESHOLDS)}, got {value!r}; ignored")
        elif key == "disable-ignore-pragma":
            if isinstance(value, bool):
                fc.disable_ignore_pragma = value
            else:
                bad(key, f"expected true or false, got {_type_name(value, True)}; ignored")
        elif key == "options":
            if not isinstance(value, dict):
                bad(key, f"expected a table of rule → options, got {_type_name(value, True)}; ignored")
                continue
            for rk, rv in value.items():
                if not isinstance(rv, dict):
                    bad(f"options.{rk}", f"expected a table of option = value, got {_type_name(rv, True)}; ignored",
                        line_of(key, rk))
                    continue
                fc.options[rk] = dict(rv)
                where[("options", rk)] = (line_of(key, rk), f"{prefix}options.{rk}")
        elif key == "final-image-only":
            got = selectors(key, value)
            if got is not None:
                fc.final_image_only += got
        elif key == "build":
            if not isinstance(value, dict):
                bad(key, f"expected a table (args, target, platform, context), got {_type_name(value, True)}; "
                         "ignored")
                continue
            for bk, bv in value.items():
                bline = line_of(key, bk)
                if bk == "args":
                    if not isinstance(bv, dict) or not all(isinstance(x, (str, int, float, bool)) for x in bv.values()):
                        bad("build.args", "expected a table of NAME = value; ignored", bline)
                        continue
                    fc.build["args"] = {str(k): (str(x).lower() if isinstance(x, bool) else str(x))
                                        for k, x in bv.items()}
                elif bk in ("target", "context"):
                    if not isinstance(bv, str) or not bv.strip():
                        bad(f"build.{bk}", f"expected a non-empty string, got {_type_name(bv, True)}; ignored", bline)
                        continue
                    fc.build[bk] = bv.strip()
                elif bk == "platform":
                    from dockwise.syntax.stages import format_platform, parse_platform

                    got_p = parse_platform(bv) if isinstance(bv, str) else None
                    if got_p is None:
                        bad("build.platform", f"expected OS/ARCH[/VARIANT] such as linux/arm64, got {bv!r}; ignored",
                            bline)
                        continue
                    fc.build["platform"] = format_platform(got_p)
                else:
                    hint = _did_you_mean(bk, BUILD_KEYS)
                    bad(f"build.{bk}", f"unknown key{hint}; ignored", bline)
        else:
            known = DOCKWISE_KEYS
            hint = _did_you_mean(key, known)
            if not hint and key.replace("_", "-") in known:
                hint = f" (did you mean '{key.replace('_', '-')}'?)"
            problems.append(ConfigProblem(shown, line_of(key), f"unknown key '{prefix}{key}'{hint}; ignored",
                                          prefix + key))
    return fc


# -- environment (hadolint's Environment.hs; command line only) -------------------------------


def env_config(environ: Mapping[str, str], problems: list[ConfigProblem]) -> FileConfig | None:
    """``HADOLINT_*`` variables as a source (None when none is set)."""
    fc = FileConfig("environment", "env")
    found = False

    def flag(name: str) -> bool | None:
        v = environ.get(name)
        if v is None:
            return None
        return v.strip().lower() in _TRUTHY_ENV

    def codes(name: str) -> list[str]:
        v = environ.get(name)
        if v is None:
            return []
        return [c.strip() for c in v.split(",") if c.strip()]

    def bad(name: str, msg: str) -> None:
        problems.append(ConfigProblem("environment", 0, f"{name}: {msg}", name))

    for name, attr in (
        ("HADOLINT_NOFAIL", "no_fail"),
        ("HADOLINT_VERBOSE", "verbose"),
        ("HADOLINT_DISABLE_IGNORE_PRAGMA", "disable_ignore_pragma"),
    ):
        b = flag(name)
        if b is not None:
            setattr(fc, attr, b)
            found = True
    if environ.get("HADOLINT_STRICT_LABELS") is not None:
        fc.strict_labels = flag("HADOLINT_STRICT_LABELS")
        found = True
    v = environ.get("HADOLINT_FAILURE_THRESHOLD")
    if v is not None:
        found = True
        if v.strip().lower() in THRESHOLDS:
            fc.failure_threshold = v.strip().lower()
        else:
            bad("HADOLINT_FAILURE_THRESHOLD", f"{v!r} is not one of {', '.join(THRESHOLDS)}; ignored")
    fmts = codes("HADOLINT_FORMAT")
    if fmts:
        found = True
        unknown = [f for f in fmts if f not in FORMATS]
        if unknown:
            problems.append(ConfigProblem("environment", 0, f"HADOLINT_FORMAT: unknown output format "
                                          f"{', '.join(map(repr, unknown))} (one of {', '.join(FORMATS)})",
                                          "HADOLINT_FORMAT", "error"))
        else:
            fc.formats = fmts
    fc.ignore = codes("HADOLINT_IGNORE")
    found |= bool(fc.ignore)
    for level in _HADOLINT_LEVELS:
        for c in codes(f"HADOLINT_OVERRIDE_{level.upper()}"):
            fc.severity[c] = level
            found = True
    _enable_overridden(fc)
    regs = codes("HADOLINT_TRUSTED_REGISTRIES")
    if regs:
        fc.trusted_registries = regs
        found = True
    labels = codes("HADOLINT_REQUIRE_LABELS")
    if labels:
        schema = {}
        for item in labels:
            try:
                name, t = parse_label_spec(item)
            except ValueError as exc:
                bad("HADOLINT_REQUIRE_LABELS", f"{exc}; ignored")
                continue
            schema[name] = t
        fc.label_schema = schema
        found = True
    return fc if found else None


# -- helpers for callers -------------------------------------------------------------------


def is_config_path(path: str) -> bool:
    return os.path.basename(path) in CONFIG_BASENAMES

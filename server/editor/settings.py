"""Server settings: one dataclass, one schema, lenient validation.

The same settings arrive from three places (``initializationOptions``,
``workspace/configuration`` for section ``dockwise``, and the
``workspace/didChangeConfiguration`` payload), either bare
(``{"ignore": [...]}``) or wrapped (``{"dockwise": {"ignore": [...]}}``).
:meth:`Settings.from_dict` accepts both, never raises, and records what it had
to drop in ``Settings.warnings``.

:data:`SETTINGS_SCHEMA` is the single source for the VS Code
``contributes.configuration`` block and the README settings table; keep it in
step with the dataclass (a test checks they agree).

Precedence: these settings are a layer over the configuration files
(``.hadolint.yaml``, ``dockwise.toml`` / ``[tool.dockwise]``, read by
:mod:`dockwise.lint.config` from the workspace folder): a ``select`` here replaces
the files' selection, ``ignore``/``extendSelect``/``severity`` refine it.

No LSP or engine imports at module level: this module is imported at server
start-up and by the CLI.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    from dockwise.lint.engine import LintSettings

SECTION = "dockwise"

DIAGNOSTIC_MODES = ("auto", "push", "pull")
LOG_LEVELS = ("error", "warning", "info", "debug")
SEVERITY_LEVELS = ("error", "warning", "info", "style", "off")
# accepted spellings for SEVERITY_LEVELS entries
_SEVERITY_ALIASES = {
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
_LOG_ALIASES = {"warn": "warning", "information": "info", "trace": "debug", "verbose": "debug"}
MAX_DEBOUNCE_MS = 10_000
MAX_REGISTRIES = 256


class SettingSpec(NamedTuple):
    """One row of the settings schema.

    ``type`` is a JSON-schema type string (``"array"`` items are strings,
    ``"object"`` values are strings); ``enum`` lists the allowed values.
    ``scope``: ``"resource"`` when the server honours a different value per
    workspace folder (it asks ``workspace/configuration`` with each folder's
    ``scopeUri``: the rule selection), ``"window"`` when one value serves the
    whole server (timing, logging, images, fix-all).
    """

    name: str
    type: str | tuple[str, ...]
    default: Any
    description: str
    enum: tuple[str, ...] | None = None
    scope: str = "window"


SETTINGS_SCHEMA: list[SettingSpec] = [
    SettingSpec(
        "select",
        ("array", "null"),
        None,
        "Rules to run: codes (`DL3059`), names, aliases, code prefixes (`DL30`), tags "
        "(`tag:apt`) or `ALL`. `null` runs every rule that is on by default.",
        scope="resource",
    ),
    SettingSpec(
        "ignore",
        "array",
        [],
        "Rules never to report (same selector syntax); applied after `select` and `extendSelect`.",
        scope="resource",
    ),
    SettingSpec(
        "extendSelect",
        "array",
        [],
        "Rules to run in addition to `select` (same selector syntax).",
        scope="resource",
    ),
    SettingSpec(
        "severity",
        "object",
        {},
        "Per-rule severity overrides: selector → `error`, `warning`, `info`, `style` or `off`.",
        scope="resource",
    ),
    SettingSpec(
        "finalImageOnly",
        "array",
        [],
        "Rules (same selector syntax) to report only in the stages whose layers are in the final image, "
        "e.g. `[\"tag:size\"]`; the DW size rules always are.",
        scope="resource",
    ),
    SettingSpec(
        "debounceMs",
        "integer",
        150,
        "Delay in milliseconds between the last edit and re-linting (push diagnostics). "
        f"0 lints on every change; at most {MAX_DEBOUNCE_MS}.",
    ),
    SettingSpec(
        "diagnosticMode",
        "string",
        "auto",
        "How diagnostics reach the editor: `push` (publishDiagnostics), `pull` "
        "(textDocument/diagnostic), or `auto` (pull when the client supports it, else push). "
        "Never both.",
        DIAGNOSTIC_MODES,
    ),
    SettingSpec(
        "logLevel",
        "string",
        "info",
        "Server log level: what the server sends to the editor's output channel (window/logMessage) "
        "and writes to `dockwise serve --log-file`; tracebacks only at `debug`. Nothing goes to stderr.",
        LOG_LEVELS,
    ),
    SettingSpec(
        "unsafeFixes",
        "boolean",
        False,
        "Apply unsafe fixes too in `source.fixAll.dockwise` (fix-all on save). Unsafe fixes are always "
        "offered one by one as quick fixes, marked in their title.",
    ),
    SettingSpec(
        "images.online",
        "boolean",
        True,
        "Look up base-image sizes live in their registry (the OCI distribution API) when the shipped "
        "table does not know them or is older. `DOCKWISE_OFFLINE=1` turns this off too.",
    ),
    SettingSpec(
        "images.platform",
        ("string", "null"),
        None,
        "Build platform for image sizes (`linux/amd64`, `linux/arm64`, …) when a FROM has no "
        "`--platform`. `null`: the host's platform.",
    ),
    SettingSpec(
        "images.registries",
        "array",
        [],
        "Registries that may be looked up live besides Docker Hub, the well-known public registries and "
        "those your Docker configuration names: `host`, `host:port`, `host:*` (any port) or `*.domain`. "
        "A Dockerfile chooses its registries, so a loopback or private-network registry (`localhost:5000`, "
        "`10.0.0.5:5000`) is only ever contacted when listed here; hover says so for the others.",
    ),
    SettingSpec(
        "images.inlayHints",
        "boolean",
        True,
        "Show the compressed size of each FROM image at the end of its line (inlay hint, or code "
        "lens for clients without inlay hints).",
    ),
    SettingSpec(
        "build.args",
        "object",
        {},
        "Build arguments, as `docker build --build-arg NAME=VALUE` would pass them: name → value. "
        "BuildKit's checks (UndefinedArgInFrom, the stage graph, unused ARGs) take them into account.",
        scope="resource",
    ),
    SettingSpec(
        "build.target",
        ("string", "null"),
        None,
        "The stage to build, as `docker build --target`: BuildKit's checks then run only in the stages it "
        "needs, and the others are reported unreachable. `null`: the last stage.",
        scope="resource",
    ),
    SettingSpec(
        "build.platform",
        ("string", "null"),
        None,
        "The target platform, as `docker build --platform` (`linux/amd64`, `linux/arm64`, …): "
        "`TARGETPLATFORM`, `TARGETARCH` … and InvalidBaseImagePlatform. `null`: `images.platform`, else this "
        "machine's.",
        scope="resource",
    ),
    SettingSpec(
        "build.context",
        ("string", "null"),
        None,
        "The build context folder (absolute, or relative to the Dockerfile's folder): where DW009 and "
        "CopyIgnoredFile read `.dockerignore`. `null`: the Dockerfile's folder.",
        scope="resource",
    ),
]

# the settings a workspace folder may set differently (see SettingSpec.scope)
FOLDER_SETTINGS = frozenset(s.name for s in SETTINGS_SCHEMA if s.scope == "resource")

# settings whose names have a dot arrive nested in editor payloads
# ({"images": {"online": false}}) or flat ("images.online"); the dataclass
# field is the name with "_" for "."
NESTED_GROUPS = frozenset(s.name.split(".", 1)[0] for s in SETTINGS_SCHEMA if "." in s.name)


def attr_name(name: str) -> str:
    """The Settings field for a schema name (``images.online`` → ``images_online``)."""
    return name.replace(".", "_")


def _flatten(d: Mapping) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for k, v in d.items():
        if isinstance(k, str) and k in NESTED_GROUPS and isinstance(v, Mapping):
            for k2, v2 in v.items():
                out[f"{k}.{k2}"] = v2
        else:
            out[k] = v
    return out

# snake_case spellings are accepted too (CLI / config files use them)
_ALIASES = {
    "extend_select": "extendSelect",
    "extend-select": "extendSelect",
    "debounce_ms": "debounceMs",
    "diagnostic_mode": "diagnosticMode",
    "log_level": "logLevel",
    "unsafe_fixes": "unsafeFixes",
    "unsafe-fixes": "unsafeFixes",
    "final_image_only": "finalImageOnly",
    "final-image-only": "finalImageOnly",
}


def _warn(warnings: list[str], key: str, value: Any, why: str, default: Any) -> None:
    warnings.append(f"setting {key!r}: {why} (got {value!r}); using {default!r}")


def _str_list(key: str, value: Any, default: Any, warnings: list[str]) -> list[str] | Any:
    if isinstance(value, str):  # "DL3006, DL3007" or a single code
        return [s.strip() for s in value.split(",") if s.strip()]
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for item in value:
            if isinstance(item, str) and item.strip():
                out.append(item.strip())
            elif not (isinstance(item, str)):
                warnings.append(f"setting {key!r}: ignoring non-string entry {item!r}")
        return out
    _warn(warnings, key, value, "expected a list of strings", default)
    return default


@dataclass
class Settings:
    """Effective server settings (names as in the editor configuration)."""

    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    extendSelect: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    finalImageOnly: list[str] = field(default_factory=list)
    debounceMs: int = 150
    diagnosticMode: str = "auto"
    logLevel: str = "info"
    unsafeFixes: bool = False
    images_online: bool = True
    images_platform: str | None = None
    images_registries: list[str] = field(default_factory=list)
    images_inlayHints: bool = True
    build_args: dict[str, str] = field(default_factory=dict)
    build_target: str | None = None
    build_platform: str | None = None
    build_context: str | None = None
    # problems found by from_dict (not a setting; not compared)
    warnings: list[str] = field(default_factory=list, compare=False, repr=False)

    # -- construction -------------------------------------------------------

    @staticmethod
    def unwrap(d: Any) -> Any:
        """``{"dockwise": {...}}`` → ``{...}``; anything else unchanged."""
        if isinstance(d, Mapping) and isinstance(d.get(SECTION), Mapping):
            return d[SECTION]
        return d

    @staticmethod
    def looks_like_settings(d: Any) -> bool:
        """True when ``d`` is a settings dict (wrapped, or bare with a known key).

        Used to tell a flat ``didChangeConfiguration`` payload from one that
        only carries other extensions' sections.
        """
        if not isinstance(d, Mapping):
            return False
        if isinstance(d.get(SECTION), Mapping):
            return True
        known = {s.name for s in SETTINGS_SCHEMA} | set(_ALIASES) | NESTED_GROUPS
        return any(k in known for k in d)

    @classmethod
    def from_dict(cls, d: Any) -> "Settings":
        """Build settings from an editor payload; never raises.

        Unknown keys and values of the wrong type or outside the allowed set
        fall back to the default and add a message to ``warnings``.
        """
        out = cls()
        warnings = out.warnings
        if d is None:
            return out
        d = cls.unwrap(d)
        if not isinstance(d, Mapping):
            warnings.append(f"settings must be an object, got {type(d).__name__}; using defaults")
            return out
        known = {s.name for s in SETTINGS_SCHEMA}
        for raw_key, value in _flatten(d).items():
            key = _ALIASES.get(raw_key, raw_key) if isinstance(raw_key, str) else raw_key
            if key not in known:
                warnings.append(f"unknown setting {raw_key!r} ignored")
                continue
            key = attr_name(key)
            try:
                setattr(out, key, cls._validate(key, value, warnings))
            except Exception as exc:  # belt and braces: never raise
                default = getattr(cls(), key)
                _warn(warnings, key, value, f"invalid ({exc})", default)
                setattr(out, key, default)
        return out

    @classmethod
    def _validate(cls, key: str, value: Any, warnings: list[str]) -> Any:
        default = getattr(cls(), key)
        if key == "select":
            if value is None:
                return None
            return _str_list(key, value, default, warnings)
        if key in ("ignore", "extendSelect", "finalImageOnly"):
            if value is None:
                return []
            return _str_list(key, value, default, warnings)
        if key == "severity":
            if value is None:
                return {}
            if not isinstance(value, Mapping):
                _warn(warnings, key, value, "expected an object mapping rules to levels", default)
                return default
            sev: dict[str, str] = {}
            for k, v in value.items():
                level = _SEVERITY_ALIASES.get(str(v).strip().lower()) if isinstance(v, str) else None
                if not isinstance(k, str) or not k.strip() or level is None:
                    warnings.append(
                        f"setting 'severity': ignoring {k!r}: {v!r} "
                        f"(levels: {', '.join(SEVERITY_LEVELS)})"
                    )
                    continue
                sev[k.strip()] = level
            return sev
        if key == "debounceMs":
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                _warn(warnings, key, value, "expected a number of milliseconds", default)
                return default
            try:
                n = int(float(value))
            except (TypeError, ValueError):
                _warn(warnings, key, value, "expected a number of milliseconds", default)
                return default
            if n < 0:
                _warn(warnings, key, value, "must not be negative", 0)
                return 0
            if n > MAX_DEBOUNCE_MS:
                _warn(warnings, key, value, f"at most {MAX_DEBOUNCE_MS}", MAX_DEBOUNCE_MS)
                return MAX_DEBOUNCE_MS
            return n
        if key == "diagnosticMode":
            v = value.strip().lower() if isinstance(value, str) else None
            if v not in DIAGNOSTIC_MODES:
                _warn(warnings, key, value, f"expected one of {', '.join(DIAGNOSTIC_MODES)}", default)
                return default
            return v
        if key == "logLevel":
            v = value.strip().lower() if isinstance(value, str) else None
            v = _LOG_ALIASES.get(v, v) if v is not None else None
            if v not in LOG_LEVELS:
                _warn(warnings, key, value, f"expected one of {', '.join(LOG_LEVELS)}", default)
                return default
            return v
        if key in ("unsafeFixes", "images_online", "images_inlayHints"):
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("true", "false", "on", "off", "1", "0"):
                return value.strip().lower() in ("true", "on", "1")
            _warn(warnings, key.replace("_", "."), value, "expected true or false", default)
            return default
        if key == "images_registries":
            if value is None:
                return []
            got = _str_list("images.registries", value, default, warnings)
            out_r: list[str] = []
            for item in got[:MAX_REGISTRIES]:
                if len(item) > 260 or any(c.isspace() for c in item):
                    warnings.append(f"setting 'images.registries': ignoring {item[:80]!r} (not a host[:port])")
                    continue
                out_r.append(item)
            if len(got) > MAX_REGISTRIES:
                warnings.append(f"setting 'images.registries': only the first {MAX_REGISTRIES} entries are used")
            return out_r
        if key == "build_args":
            if value is None:
                return {}
            if not isinstance(value, Mapping):
                _warn(warnings, "build.args", value, "expected an object mapping names to values", default)
                return default
            out: dict[str, str] = {}
            for k, v in value.items():
                if not isinstance(k, str) or not re.fullmatch(r"[^\s=]+", k) or isinstance(v, (dict, list)):
                    warnings.append(f"setting 'build.args': ignoring {k!r}: {v!r} (NAME → string value)")
                    continue
                out[k] = "" if v is None else (str(v).lower() if isinstance(v, bool) else str(v))
            return out
        if key in ("build_target", "build_context"):
            if value is None or (isinstance(value, str) and not value.strip()):
                return None
            if isinstance(value, str):
                return value.strip()
            _warn(warnings, key.replace("_", "."), value, "expected a string", default)
            return default
        if key == "build_platform":
            from dockwise.syntax.stages import format_platform, parse_platform

            if value is None or (isinstance(value, str) and not value.strip()):
                return None
            got = parse_platform(value) if isinstance(value, str) else None
            if got is not None:
                return format_platform(got)
            _warn(warnings, "build.platform", value, "expected OS/ARCH[/VARIANT] such as linux/arm64", default)
            return default
        if key == "images_platform":
            if value is None or (isinstance(value, str) and not value.strip()):
                return None
            if isinstance(value, str) and re.fullmatch(r"[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?", value.strip().lower()):
                return value.strip().lower()
            _warn(warnings, "images.platform", value, "expected OS/ARCH[/VARIANT] such as linux/arm64", default)
            return default
        raise KeyError(key)  # pragma: no cover (known keys are all handled)

    # -- use ----------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The settings as an editor payload (bare, camelCase)."""
        return {
            "select": None if self.select is None else list(self.select),
            "ignore": list(self.ignore),
            "extendSelect": list(self.extendSelect),
            "severity": dict(self.severity),
            "finalImageOnly": list(self.finalImageOnly),
            "debounceMs": self.debounceMs,
            "diagnosticMode": self.diagnosticMode,
            "logLevel": self.logLevel,
            "unsafeFixes": self.unsafeFixes,
            "images": {
                "online": self.images_online,
                "platform": self.images_platform,
                "registries": list(self.images_registries),
                "inlayHints": self.images_inlayHints,
            },
            "build": {
                "args": dict(self.build_args),
                "target": self.build_target,
                "platform": self.build_platform,
                "context": self.build_context,
            },
        }

    def lint_key(self) -> tuple:
        """What the lint result depends on (hashable; no engine import)."""
        return (
            None if self.select is None else tuple(self.select),
            tuple(self.extendSelect),
            tuple(self.ignore),
            tuple(sorted(self.severity.items())),
            tuple(self.finalImageOnly),
            self.images_platform,
            tuple(sorted(self.build_args.items())),
            self.build_target,
            self.build_platform,
            self.build_context,
        )

    def to_lint_settings(self, base: "LintSettings | None" = None) -> "LintSettings":
        """The editor settings as engine settings, layered on ``base`` (the
        configuration files' layer, see :mod:`dockwise.lint.config`) when given."""
        from dockwise.lint.engine import LintSettings

        return LintSettings.make(
            select=self.select,
            extend_select=self.extendSelect,
            ignore=self.ignore,
            severity=self.severity,
            # the editor's build platform sizes DW001 the way hover and inlay hints do
            options={"DW001": {"platform": self.images_platform}} if self.images_platform else None,
            base=base,
            final_image_only=self.finalImageOnly,
            build={
                "args": dict(self.build_args) or None,
                "target": self.build_target,
                "platform": self.build_platform or self.images_platform,
                "context": self.build_context,
            },
        )

    @property
    def log_level_number(self) -> int:
        import logging

        return {
            "error": logging.ERROR,
            "warning": logging.WARNING,
            "info": logging.INFO,
            "debug": logging.DEBUG,
        }.get(self.logLevel, logging.INFO)


def merge_payloads(*payloads: Any) -> dict[str, Any]:
    """Overlay settings payloads (each bare or wrapped); later keys win.

    Non-dict payloads are skipped, so the result is always a dict that
    :meth:`Settings.from_dict` can read.
    """
    out: dict[str, Any] = {}
    for p in payloads:
        p = Settings.unwrap(p)
        if isinstance(p, Mapping):
            for k, v in _flatten(p).items():
                out[_ALIASES.get(k, k) if isinstance(k, str) else k] = v
    return out

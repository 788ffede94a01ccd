"""Report formats for lint results: ``tty``, ``json`` and ``sarif``.

Pure functions over :class:`FileReport` values (a display path, the
violations found in it and, optionally, the file's physical lines), so the
command line, the language server or other tools can reuse them. Nothing here
reads files or imports LSP code.

Positions. The model's spans are 0-based, columns are code points and the end
is exclusive. Every format here is 1-based:

* ``line``/``column``: the first character of the span, ``column`` counting
  code points from 1 (hadolint always says ``column: 1`` for rule findings;
  ours point at the offending word, e.g. the image in ``FROM ubuntu`` is
  column 6).
* ``end_line``/``end_column`` (JSON) and ``endLine``/``endColumn`` (SARIF):
  the *exclusive* end, 1-based: ``end_column`` is the column of the character
  just after the span, exactly SARIF's ``endColumn``. A span covering
  ``ubuntu`` in ``FROM ubuntu`` is column 6, end_column 12. An empty span has
  ``end_column == column``. A span that ends at the start of a line ``n``
  (0-based) is reported as ``end_line = n + 1, end_column = 1``.
* SARIF runs declare ``"columnKind": "unicodeCodePoints"`` because SARIF's
  default is UTF-16 code units.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol, Sequence

__all__ = [
    "FileReport",
    "LEVELS",
    "SARIF_LEVEL",
    "tty_line",
    "format_tty",
    "summary_line",
    "json_object",
    "format_json",
    "sarif_log",
    "format_sarif",
    "artifact_location",
]

INFORMATION_URI = "https://github.com/dockwise/dockwise"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

LEVELS = ("error", "warning", "info", "style")
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note", "style": "note"}


class _SpanLike(Protocol):
    start: Any
    end: Any


class ViolationLike(Protocol):
    code: str
    name: str
    severity: Any  # dockwise.rules._api.Severity (has .label)
    message: str
    span: _SpanLike


@dataclass(slots=True)
class FileReport:
    path: str  # as shown to the user (and, relative to the base, as SARIF uri)
    violations: Sequence[ViolationLike] = ()
    lines: Sequence[str] | None = None  # optional; adds SARIF region snippets
    extra: dict = field(default_factory=dict)


def _label(v: ViolationLike) -> str:
    sev = v.severity
    lab = getattr(sev, "label", None)
    return lab if isinstance(lab, str) else str(sev).lower()


def _pos(v: ViolationLike) -> tuple[int, int, int, int]:
    """1-based (line, column, end_line, end_column) with an exclusive end."""
    s, e = v.span.start, v.span.end
    l1, c1 = s.line + 1, s.col + 1
    l2, c2 = e.line + 1, e.col + 1
    if (l2, c2) < (l1, c1):
        l2, c2 = l1, c1
    return l1, c1, l2, c2


# -- tty ----------------------------------------------------------------------

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_COLOR = {
    "error": "\x1b[1;31m",
    "warning": "\x1b[33m",
    "info": "\x1b[36m",
    "style": "\x1b[35m",
}


def tty_line(path: str, v: ViolationLike, color: bool = False) -> str:
    """``path:line:col: CODE level: message``."""
    l1, c1, _, _ = _pos(v)
    level = _label(v)
    msg = v.message.replace("\r", " ").replace("\n", " ")
    if not color:
        return f"{path}:{l1}:{c1}: {v.code} {level}: {msg}"
    c = _COLOR.get(level, "")
    return (
        f"{_BOLD}{path}{_RESET}{_DIM}:{l1}:{c1}:{_RESET} "
        f"{c}{v.code} {level}{_RESET}: {msg}"
    )


def format_tty(reports: Iterable[FileReport], color: bool = False) -> str:
    out: list[str] = []
    for r in reports:
        for v in r.violations:
            out.append(tty_line(r.path, v, color))
    return "".join(line + "\n" for line in out)


def summary_line(reports: Sequence[FileReport], input_errors: int = 0) -> str:
    """One human line: ``Found 3 problems (1 error, 2 warnings) in 2 of 5 files.``"""
    counts = dict.fromkeys(LEVELS, 0)
    files_with = 0
    for r in reports:
        if r.violations:
            files_with += 1
        for v in r.violations:
            lab = _label(v)
            counts[lab] = counts.get(lab, 0) + 1
    total = sum(counts.values())
    n = len(reports)
    checked = f"{n} file" + ("" if n == 1 else "s")
    if total == 0:
        text = f"No problems found in {checked}."
    else:
        parts = []
        for lab in LEVELS:
            k = counts.get(lab, 0)
            if k:
                word = lab if (k == 1 or lab in ("info", "style")) else lab + "s"
                parts.append(f"{k} {word}")
        text = (
            f"Found {total} problem{'' if total == 1 else 's'} ({', '.join(parts)}) "
            f"in {files_with} of {checked}."
        )
    if input_errors:
        text += f" {input_errors} input error{'' if input_errors == 1 else 's'}."
    return text


# -- json ---------------------------------------------------------------------


def json_object(path: str, v: ViolationLike) -> dict:
    """hadolint's keys (``code, column, file, level, line, message``) plus
    ``end_line`` and ``end_column`` (1-based, exclusive end; see module doc)."""
    l1, c1, l2, c2 = _pos(v)
    return {
        "code": v.code,
        "column": c1,
        "end_column": c2,
        "end_line": l2,
        "file": path,
        "level": _label(v),
        "line": l1,
        "message": v.message,
    }


def format_json(reports: Iterable[FileReport]) -> str:
    """One JSON array for all files (keys sorted, like hadolint), plus a newline."""
    objs = [json_object(r.path, v) for r in reports for v in r.violations]
    return json.dumps(objs, ensure_ascii=False, sort_keys=True) + "\n"


# -- sarif --------------------------------------------------------------------

_URI_SAFE = "/-._~!$&'()*+,;=@"


def artifact_location(path: str, base: str | None = None) -> dict:
    """SARIF artifactLocation: relative to ``base`` (default: the current
    directory) with ``uriBaseId: %SRCROOT%`` when the file is under it, else
    an absolute ``file://`` URI. ``-`` (stdin) stays ``-``."""
    if path == "-":
        return {"uri": "-"}
    base = os.path.abspath(base if base is not None else os.getcwd())
    ap = os.path.abspath(path)
    rel = os.path.relpath(ap, base) if os.path.splitdrive(ap)[0] == os.path.splitdrive(base)[0] else None
    if rel is not None and rel != os.pardir and not rel.startswith(os.pardir + os.sep):
        from urllib.parse import quote

        rel = rel.replace(os.sep, "/")
        return {"uri": quote(rel, safe=_URI_SAFE), "uriBaseId": "%SRCROOT%"}
    from pathlib import Path

    return {"uri": Path(ap).as_uri()}


def _first_paragraph(docs: str) -> str:
    """The first prose paragraph of a rule's Markdown docs (headings dropped)."""
    for para in re.split(r"\n\s*\n", docs.strip()):
        body = [ln.strip() for ln in para.splitlines() if not ln.lstrip().startswith("#")]
        if body and not body[0].startswith("```"):
            return " ".join(ln for ln in body if ln)
    return ""


def _rule_descriptor(meta: Any) -> dict:
    level = getattr(getattr(meta, "severity", None), "label", "warning")
    summary = getattr(meta, "summary", "") or getattr(meta, "name", "")
    docs = getattr(meta, "docs", "") or ""
    full = _first_paragraph(docs) or summary
    d: dict = {
        "id": meta.code,
        "name": getattr(meta, "name", meta.code),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": full},
        "defaultConfiguration": {"level": SARIF_LEVEL.get(level, "warning")},
    }
    url = getattr(meta, "url", "")
    if url:
        d["helpUri"] = url
    if docs:
        d["help"] = {"text": docs, "markdown": docs}
    tags = sorted(getattr(meta, "tags", ()) or ())
    props: dict = {}
    if tags:
        props["tags"] = tags
    aliases = list(getattr(meta, "aliases", ()) or ())
    if aliases:
        props["aliases"] = aliases
    if props:
        d["properties"] = props
    return d


@dataclass(frozen=True)
class _AdHocMeta:
    code: str
    name: str
    summary: str
    severity: Any
    url: str = ""
    docs: str = ""
    tags: tuple = ()
    aliases: tuple = ()


def _meta_for(v: ViolationLike) -> Any:
    try:
        from dockwise import rules as registry

        r = registry.get(v.code)
    except Exception:  # a registry problem must not break reporting
        r = None
    if r is not None:
        return r.meta
    return _AdHocMeta(v.code, v.name or v.code, v.name or v.code, v.severity, getattr(v, "url", ""))


def sarif_log(
    reports: Sequence[FileReport],
    rules: Sequence[Any] | None = None,
    *,
    tool_version: str | None = None,
    base: str | None = None,
    notifications: Sequence[str] = (),
) -> dict:
    """A SARIF 2.1.0 log with one run (GitHub code scanning compatible).

    ``rules``: rule metadata objects (``dockwise.rules._api.RuleMeta``) to
    describe in ``tool.driver.rules`` — normally every selected rule; codes
    that occur in results but are missing there are added. ``notifications``:
    one-line input errors, reported as error-level tool execution
    notifications (``executionSuccessful`` is false when there are any).
    """
    if tool_version is None:
        from dockwise import __version__ as tool_version
    metas: dict[str, Any] = {}
    for m in rules or ():
        metas.setdefault(m.code, m)
    for r in reports:
        for v in r.violations:
            if v.code not in metas:
                metas[v.code] = _meta_for(v)
    codes = sorted(metas)
    index = {c: i for i, c in enumerate(codes)}
    results: list[dict] = []
    for r in reports:
        loc = artifact_location(r.path, base)
        for v in r.violations:
            l1, c1, l2, c2 = _pos(v)
            region: dict = {"startLine": l1, "startColumn": c1, "endLine": l2, "endColumn": c2}
            if r.lines is not None and 0 <= l1 - 1 < len(r.lines):
                region["snippet"] = {"text": r.lines[l1 - 1]}
            results.append(
                {
                    "ruleId": v.code,
                    "ruleIndex": index[v.code],
                    "level": SARIF_LEVEL.get(_label(v), "warning"),
                    "message": {"text": v.message},
                    "locations": [
                        {"physicalLocation": {"artifactLocation": dict(loc), "region": region}}
                    ],
                }
            )
    invocation: dict = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": n}} for n in notifications
        ]
    run = {
        "tool": {
            "driver": {
                "name": "dockwise",
                "version": str(tool_version),
                "semanticVersion": str(tool_version),
                "informationUri": INFORMATION_URI,
                "rules": [_rule_descriptor(metas[c]) for c in codes],
            }
        },
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def format_sarif(reports: Sequence[FileReport], rules: Sequence[Any] | None = None, **kw: Any) -> str:
    return json.dumps(sarif_log(reports, rules, **kw), ensure_ascii=False, indent=2) + "\n"

"""Report formats for lint results.

``tty``, ``json``, ``sarif`` and the other formats hadolint writes
(``checkstyle``, ``codeclimate``, ``gitlab_codeclimate``, ``gnu``, ``codacy``,
``sonarqube``, ``junit``), plus ``github`` (GitHub Actions workflow commands).
Each is shaped for its consumer and validated against that consumer's schema in
``tests/test_report_formats.py`` (schemas in ``tests/schemas/``).

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
    "FORMATS",
    "render",
    "fingerprints",
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

from dockwise import PROJECT_URL

INFORMATION_URI = PROJECT_URL
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

LEVELS = ("error", "warning", "info", "style")
# every --format value (hadolint's nine, junit, and GitHub workflow commands)
FORMATS = (
    "tty", "json", "checkstyle", "codeclimate", "gitlab_codeclimate", "gnu", "codacy",
    "sonarqube", "sarif", "junit", "github",
)
# formats where --file-path-in-report replaces the file path (as in hadolint)
PATH_IN_REPORT_FORMATS = frozenset({"checkstyle", "codeclimate", "gitlab_codeclimate", "sonarqube", "junit"})
# formats whose output needs the files' lines (fingerprints, snippets)
NEEDS_LINES = frozenset({"sarif", "codeclimate", "gitlab_codeclimate"})
SARIF_FINGERPRINT = "dockwiseFingerprint/v1"
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note", "style": "note"}


# read-only members: a report only reads them, and violations are frozen dataclasses

class _SpanLike(Protocol):
    @property
    def start(self) -> Any: ...
    @property
    def end(self) -> Any: ...


class ViolationLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def severity(self) -> Any: ...  # dockwise.rules._api.Severity (has .label)
    @property
    def message(self) -> str: ...
    @property
    def span(self) -> _SpanLike: ...


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
    counts: dict[str, int] = dict.fromkeys(LEVELS, 0)
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
        prints = fingerprints(r, loc["uri"])
        for v, fp in zip(r.violations, prints):
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
                    "partialFingerprints": {SARIF_FINGERPRINT: fp},
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


# -- fingerprints ---------------------------------------------------------------


def fingerprints(report: FileReport, path: str | None = None) -> list[str]:
    """A stable fingerprint per violation of ``report`` (same order).

    It hashes the path, the rule code, the text of the violation's first line
    (whitespace-trimmed) and the violation's rank among those with the same
    code and line text — never a line number, so findings keep their
    fingerprint when lines are added or removed above them, and two identical
    findings on identical lines stay distinct. Without ``report.lines`` the
    message stands in for the line text.
    """
    import hashlib

    shown = report.path if path is None else path
    seen: dict[tuple[str, str], int] = {}
    out: list[str] = []
    lines = report.lines
    for v in report.violations:
        i: int = v.span.start.line
        text = str(lines[i]).strip() if lines is not None and 0 <= i < len(lines) else v.message
        key = (v.code, text)
        k = seen.get(key, 0)
        seen[key] = k + 1
        h = hashlib.sha256("\0".join((shown, v.code, text, str(k))).encode("utf-8", "surrogateescape"))
        out.append(h.hexdigest()[:32])
    return out


# -- gnu ----------------------------------------------------------------------------


def format_gnu(reports: Iterable[FileReport]) -> str:
    """GNU's error-message format, with the program name as hadolint writes it:
    ``dockwise:FILE:LINE.COL-ENDCOL: CODE level: message`` (or
    ``LINE.COL-ENDLINE.ENDCOL`` across lines; the end column is inclusive, as the
    GNU coding standards ask)."""
    out: list[str] = []
    for r in reports:
        for v in r.violations:
            l1, c1, l2, c2 = _pos(v)
            if l2 == l1:
                where = f"{l1}.{c1}-{max(c1, c2 - 1)}"
            elif c2 > 1:
                where = f"{l1}.{c1}-{l2}.{c2 - 1}"
            else:  # ends where a line starts: the end column of the line before is unknown here
                where = f"{l1}.{c1}"
            msg = v.message.replace("\r", " ").replace("\n", " ")
            out.append(f"dockwise:{r.path}:{where}: {v.code} {_label(v)}: {msg}")
    return "".join(line + "\n" for line in out)


# -- checkstyle / junit (XML) ------------------------------------------------------------

_CHECKSTYLE_SEVERITY = {"error": "error", "warning": "warning", "info": "info", "style": "info"}


def _xml_text(text: str) -> str:
    """Text that XML 1.0 can carry: characters it forbids become U+FFFD."""
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]", "\ufffd", text)


def format_checkstyle(reports: Iterable[FileReport]) -> str:
    """Checkstyle's XML report (version 4.3, as hadolint writes it): one
    ``<file>`` per linted file, one ``<error>`` per violation with ``line``,
    ``column`` (1-based), ``severity`` (error, warning, info; our ``style``
    is ``info``), ``message`` and ``source`` (the rule code)."""
    from xml.sax.saxutils import quoteattr

    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<checkstyle version="4.3">']
    for r in reports:
        out.append(f"<file name={quoteattr(_xml_text(r.path))}>")
        for v in r.violations:
            l1, c1, _, _ = _pos(v)
            sev = _CHECKSTYLE_SEVERITY.get(_label(v), "warning")
            out.append(
                f"<error line=\"{l1}\" column=\"{c1}\" severity=\"{sev}\" "
                f"message={quoteattr(_xml_text(v.message))} source={quoteattr(v.code)}/>"
            )
        out.append("</file>")
    out.append("</checkstyle>")
    return "\n".join(out) + "\n"


def format_junit(reports: Sequence[FileReport], tool_version: str = "") -> str:
    """JUnit XML (one ``<testsuite>`` per file, one failing ``<testcase>`` per
    violation), for CI systems that show test reports."""
    from xml.sax.saxutils import escape, quoteattr

    total = sum(len(r.violations) for r in reports)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name="dockwise" tests="{max(total, len(reports))}" failures="{total}">']
    for r in reports:
        n = len(r.violations)
        name = quoteattr(_xml_text(r.path))
        out.append(f"<testsuite name={name} tests=\"{max(n, 1)}\" failures=\"{n}\" errors=\"0\">")
        if not n:
            out.append(f"<testcase name=\"no problems\" classname={name}/>")
        for v in r.violations:
            l1, c1, _, _ = _pos(v)
            body = escape(_xml_text(f"{r.path}:{l1}:{c1}: {v.code} {_label(v)}: {v.message}"))
            out.append(f"<testcase name={quoteattr(f'{v.code} line {l1}, column {c1}')} classname={name}>"
                       f"<failure type={quoteattr(_label(v))} message={quoteattr(_xml_text(v.message))}>"
                       f"{body}</failure></testcase>")
        out.append("</testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


# -- Code Climate / GitLab code quality --------------------------------------------------

# hadolint's mapping (Formatter/Codeclimate.hs), kept so quality gates do not move
CODECLIMATE_SEVERITY = {"error": "blocker", "warning": "major", "info": "info", "style": "minor"}
_CATEGORY_BY_TAG = (("security", "Security"), ("size", "Performance"), ("cache", "Performance"),
                    ("readability", "Clarity"), ("reproducibility", "Bug Risk"))


def _categories(v: ViolationLike) -> list[str]:
    if _label(v) == "style":
        return ["Style"]
    try:
        from dockwise import rules as registry

        r = registry.get(v.code)
        tags = r.meta.tags if r is not None else frozenset()
    except Exception:  # pragma: no cover - a registry problem must not break reporting
        tags = frozenset()
    for tag, cat in _CATEGORY_BY_TAG:
        if tag in tags:
            return [cat]
    return ["Bug Risk"]


def codeclimate_issues(reports: Sequence[FileReport]) -> list[dict]:
    """Code Climate issues (the engine spec's ``issue`` type) with a
    ``fingerprint`` each: what both ``codeclimate`` and ``gitlab_codeclimate``
    write. Positions are 1-based lines and columns, the end inclusive."""
    issues: list[dict] = []
    for r in reports:
        for v, fp in zip(r.violations, fingerprints(r)):
            l1, c1, l2, c2 = _pos(v)
            end_line, end_col = (l2, c2 - 1) if c2 > 1 else (max(l1, l2 - 1), c1)
            if (end_line, end_col) < (l1, c1):
                end_line, end_col = l1, c1
            issue = {
                "type": "issue",
                "check_name": v.code,
                "description": v.message,
                "categories": _categories(v),
                "location": {
                    "path": r.path,
                    "positions": {
                        "begin": {"line": l1, "column": c1},
                        "end": {"line": end_line, "column": end_col},
                    },
                },
                "severity": CODECLIMATE_SEVERITY.get(_label(v), "major"),
                "fingerprint": fp,
            }
            url = getattr(v, "url", "")
            if url:
                issue["content"] = {"body": f"{v.message}\n\nSee {url}"}
            issues.append(issue)
    return issues


def format_codeclimate(reports: Sequence[FileReport]) -> str:
    """The Code Climate engine output: one JSON issue after another, each
    followed by a NUL byte (the engine spec's separator; hadolint's too)."""
    return "".join(json.dumps(i, ensure_ascii=False, sort_keys=True) + "\0" for i in codeclimate_issues(reports))


def format_gitlab(reports: Sequence[FileReport]) -> str:
    """GitLab's code quality report: one JSON array of issues, each with a
    stable ``fingerprint`` (GitLab matches issues between pipelines by it)."""
    return json.dumps(codeclimate_issues(reports), ensure_ascii=False, indent=2) + "\n"


# -- Codacy --------------------------------------------------------------------------------


def format_codacy(reports: Iterable[FileReport]) -> str:
    """Codacy's tool result format: one JSON object per line
    (``filename``, ``line``, ``message``, ``patternId``)."""
    out = []
    for r in reports:
        for v in r.violations:
            out.append(json.dumps({"filename": r.path, "line": _pos(v)[0], "message": v.message,
                                   "patternId": v.code}, ensure_ascii=False, sort_keys=True))
    return "".join(line + "\n" for line in out)


# -- SonarQube -------------------------------------------------------------------------------

# SonarQube's generic issue import format (10.3+): rules carry the impacts
_SONAR_IMPACT = {"error": "HIGH", "warning": "MEDIUM", "info": "LOW", "style": "INFO"}


def sonar_report(reports: Sequence[FileReport]) -> dict:
    """``{"rules": [...], "issues": [...]}`` in SonarQube's generic issue
    import format. Columns are 0-based there and the end is exclusive; a
    rule's impact follows its default severity (an error is a reliability
    bug, anything tagged ``security`` a security issue, the rest
    maintainability)."""
    rules: dict[str, dict] = {}
    issues: list[dict] = []
    for r in reports:
        for v in r.violations:
            if v.code not in rules:
                meta = _meta_for(v)
                tags = set(getattr(meta, "tags", ()) or ())
                sev = getattr(getattr(meta, "severity", None), "label", None) or _label(v)
                quality = "SECURITY" if "security" in tags else ("RELIABILITY" if sev == "error" else "MAINTAINABILITY")
                rule = {
                    "id": v.code,
                    "name": getattr(meta, "name", v.code) or v.code,
                    "description": getattr(meta, "summary", "") or v.code,
                    "engineId": "dockwise",
                    "cleanCodeAttribute": "CONVENTIONAL",
                    "impacts": [{"softwareQuality": quality, "severity": _SONAR_IMPACT.get(sev, "MEDIUM")}],
                }
                rules[v.code] = rule
            l1, c1, l2, c2 = _pos(v)
            text_range: dict = {"startLine": l1, "endLine": l2, "startColumn": c1 - 1, "endColumn": c2 - 1}
            if l2 == l1 and c2 <= c1:
                del text_range["startColumn"], text_range["endColumn"]  # an empty range: the whole line
            issues.append({
                "ruleId": v.code,
                "primaryLocation": {"message": v.message, "filePath": r.path, "textRange": text_range},
            })
    return {"rules": [rules[c] for c in sorted(rules)], "issues": issues}


def format_sonarqube(reports: Sequence[FileReport]) -> str:
    return json.dumps(sonar_report(reports), ensure_ascii=False, indent=2) + "\n"


# -- GitHub Actions workflow commands ---------------------------------------------------

_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice", "style": "notice"}


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(reports: Iterable[FileReport]) -> str:
    """``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message``
    lines: GitHub Actions shows each as an annotation on the file."""
    out: list[str] = []
    for r in reports:
        for v in r.violations:
            l1, c1, l2, c2 = _pos(v)
            level = _GITHUB_LEVEL.get(_label(v), "warning")
            props = (f"file={_gh_prop(r.path)},line={l1},col={c1},endLine={l2},endColumn={c2},"
                     f"title={_gh_prop(f'dockwise ({v.code})')}")
            out.append(f"::{level} {props}::{_gh_data(f'{r.path}:{l1}:{c1}: {v.code} {v.message}')}")
    return "".join(line + "\n" for line in out)


# -- one entry point -----------------------------------------------------------------------


def render(
    fmt: str,
    reports: Sequence[FileReport],
    *,
    color: bool = False,
    rules: Sequence[Any] | None = None,
    tool_version: str | None = None,
    notifications: Sequence[str] = (),
) -> str:
    """The whole report in format ``fmt`` (one of :data:`FORMATS`; the tty
    format has no summary line: the caller writes that to stderr)."""
    if fmt == "tty":
        return format_tty(reports, color=color)
    if fmt == "json":
        return format_json(reports)
    if fmt == "sarif":
        return format_sarif(reports, rules, tool_version=tool_version, notifications=notifications)
    if fmt == "checkstyle":
        return format_checkstyle(reports)
    if fmt == "codeclimate":
        return format_codeclimate(reports)
    if fmt == "gitlab_codeclimate":
        return format_gitlab(reports)
    if fmt == "gnu":
        return format_gnu(reports)
    if fmt == "codacy":
        return format_codacy(reports)
    if fmt == "sonarqube":
        return format_sonarqube(reports)
    if fmt == "junit":
        return format_junit(reports, tool_version or "")
    if fmt == "github":
        return format_github(reports)
    raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")

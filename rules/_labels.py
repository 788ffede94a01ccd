"""The label schema rules (DL3049-DL3058): options, label values, validators.

Options (each label rule has both; hadolint's ``label-schema`` and
``strict-labels`` keys set them, see ``dockwise.lint.config.hadolint_rule_options``):
``label-schema``: label → type (text, url, semver, hash, rfc3339, spdx, email);
``strict-labels``: bool.
"""
from __future__ import annotations

import datetime
import re
from typing import Iterator

from dockwise import lazyre
from dockwise.syntax.expand import unquote
from dockwise.syntax.model import Dockerfile, Instruction, KeyValue

from ._api import Finding
from ._helpers import known_value

TYPES = ("text", "url", "semver", "hash", "rfc3339", "spdx", "email")


def schema(ctx) -> dict[str, str]:
    raw = ctx.options.get("label-schema") or {}
    return {str(k): (str(v) or "text") for k, v in dict(raw).items()}


def strict(ctx) -> bool:
    return bool(ctx.options.get("strict-labels"))


def labels(df: Dockerfile, ins: Instruction) -> Iterator[tuple[KeyValue, str, str | None]]:
    """(pair, key, value) of a LABEL; the value with quotes removed and known
    variables expanded, None when it uses a variable of unknown value."""
    for p in ins.pairs:
        raw = p.value or ""
        value = known_value(df, ins, raw) if "$" in raw else unquote(raw, df.escape)
        yield p, unquote(p.key, df.escape), value


def check_values(df: Dockerfile, ins: Instruction, ctx, kind: str | None, valid, message: str) -> list[Finding]:
    """Findings for the LABEL pairs whose schema type is ``kind`` (None: any)
    and whose value ``valid`` rejects (values with unknown variables are not judged)."""
    wanted = {k for k, t in schema(ctx).items() if kind is None or t == kind}
    if ins.trigger is not None or not wanted:
        return []
    return [Finding(p.value_span or p.span, message.format(label=key))
            for p, key, value in labels(df, ins) if key in wanted and value is not None and not valid(value)]


# -- validators ---------------------------------------------------------------------------

_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|{_PCT})"
_URI = lazyre.compile(  # RFC 3986 absolute URI (scheme required), as Network.URI.parseURI
    rf"[A-Za-z][A-Za-z0-9+.\-]*:"
    rf"(?://(?:[A-Za-z0-9\-._~!$&'()*+,;=:@\[\]]|{_PCT})*(?:/{_PCHAR}*)*|/?(?:{_PCHAR}+(?:/{_PCHAR}*)*)?)"
    rf"(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?"
)


def is_url(v: str) -> bool:
    return _URI.fullmatch(v) is not None


_RFC3339 = lazyre.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})")


def is_rfc3339(v: str) -> bool:
    m = _RFC3339.fullmatch(v)
    if m is None:
        return False
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    try:
        datetime.date(y, mo, d)
    except ValueError:
        return False
    return h < 24 and mi < 60 and s <= 60


def is_spdx(v: str) -> bool:
    """One current SPDX licence identifier, exactly as listed (not an
    expression, not a deprecated id such as ``GPL-2.0``), as Cabal's
    ``LicenseId`` parser that hadolint uses."""
    if not re.fullmatch(r"[A-Za-z0-9.\-]+", v) or v.startswith("LicenseRef-"):
        return False
    from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

    try:
        if canonicalize_license_expression(v) != v:
            return False
    except InvalidLicenseExpression:
        return False
    try:  # packaging's table marks the deprecated ids (not a public name: tolerate its absence)
        from packaging.licenses._spdx import LICENSES
    except ImportError:  # pragma: no cover
        return True
    entry = LICENSES.get(v.lower())
    return not (entry and entry.get("deprecated"))


def is_git_hash(v: str) -> bool:
    return len(v) in (7, 40) and re.fullmatch(r"[0-9a-f]+", v) is not None


_SEMVER = lazyre.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)


def is_semver(v: str) -> bool:
    return _SEMVER.fullmatch(v) is not None


_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-]"
_LOCAL = lazyre.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*|\"(?:[^\"\\\r\n]|\\.)*\"")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
_DOMAIN = lazyre.compile(rf"{_LABEL}(?:\.{_LABEL})*|\[[^\[\]\\\r\n]*\]")


def is_email(v: str) -> bool:
    """RFC 5322 addr-spec (dot-atom or quoted local part; domain name or literal)."""
    local, at, domain = v.rpartition("@")
    return (bool(at) and len(local) <= 64 and len(domain) <= 253
            and _LOCAL.fullmatch(local) is not None and _DOMAIN.fullmatch(domain) is not None)

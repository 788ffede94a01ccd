"""The rule set: one module per rule (or tight family), docs in its docstring.

Adding a rule is adding a module: every module here whose name does not start
with ``_`` is imported. ``ALL_RULES`` is the registry, ordered by code; lookups accept a rule's code,
its kebab-case name or any alias (hadolint code, BuildKit check name).
"""
from __future__ import annotations

import importlib
import pkgutil
import sys

from ._api import Rule


def _collect() -> tuple[Rule, ...]:
    """Import every rule module of this package (files not starting with ``_``)
    and gather the rules each defines, ordered by code."""
    found: list[Rule] = []
    pkg = sys.modules[__name__]
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        for v in vars(mod).values():
            if isinstance(v, Rule) and v.meta.module == mod.__name__:
                found.append(v)
    found.sort(key=lambda r: r.code)
    codes = [r.code for r in found]
    names = [r.meta.name for r in found]
    assert len(set(codes)) == len(codes), f"duplicate rule codes: {codes}"
    assert len(set(names)) == len(names), f"duplicate rule names: {names}"
    return tuple(found)


ALL_RULES: tuple[Rule, ...] = _collect()
_BY_KEY: dict[str, Rule] = {}
for _r in ALL_RULES:
    for _k in (_r.code, _r.meta.name, *_r.meta.aliases):
        _BY_KEY.setdefault(_k.lower(), _r)


_FAMILIES: tuple[Rule, ...] = tuple(r for r in ALL_RULES if r.meta.subcodes)


def get(key: str) -> Rule | None:
    """A rule by code, name or alias (case-insensitive)."""
    return _BY_KEY.get(key.strip().lower())


def family(selector: str) -> tuple[Rule, str] | None:
    """For a selector naming codes of a rule that reports a family of codes
    (``RuleMeta.subcodes``: ``SC2086``, or a prefix of such codes, ``SC20``):
    that rule and the upper-cased code or prefix; else None. The family's own
    code (``SC``) names the whole rule and is not a sub-selector."""
    up = selector.strip().upper()
    for r in _FAMILIES:
        p = r.meta.subcodes or ""
        if len(up) > len(p) and up.startswith(p) and up[len(p):].isdigit():
            return r, up
    return None


def subcode(code: str) -> Rule | None:
    """The family rule one full code belongs to (``SC2086``: four digits after
    the family's prefix), else None."""
    fam = family(code)
    if fam is None or len(fam[1]) != len(fam[0].meta.subcodes or "") + 4:
        return None
    return fam[0]


def url_for(code: str) -> str:
    """The documentation address of a finding's code (a rule's page, or the
    page of one code of a family, such as ShellCheck's wiki for ``SC2086``)."""
    r = get(code)
    if r is not None:
        return r.meta.url
    fam = subcode(code)
    if fam is not None and fam.meta.subcode_url:
        return fam.meta.subcode_url.format(code=code.strip().upper())
    return ""


def resolve(selector: str) -> list[Rule]:
    """Rules matched by a selector: a code, name, alias, a code prefix
    (``DL30``), a tag (``tag:apt``) or ``ALL``."""
    s = selector.strip()
    if not s:
        return []
    if s.upper() == "ALL":
        return list(ALL_RULES)
    r = get(s)
    if r is not None:
        return [r]
    if s.lower().startswith("tag:"):
        tag = s[4:].lower()
        return [r for r in ALL_RULES if tag in r.meta.tags]
    up = s.upper()
    return [r for r in ALL_RULES if r.code.startswith(up)]

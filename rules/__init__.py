"""The rule set: one module per rule (or tight family), docs in its docstring.

``ALL_RULES`` is the explicit, ordered registry; lookups accept a rule's code,
its kebab-case name or any alias (hadolint code, BuildKit check name).
"""
from __future__ import annotations

from ._api import Rule

from . import (  # noqa: F401  (one import per rule module)
    dl3006_untagged_image,
    dl3007_latest_tag,
    dl3009_apt_lists,
    dl3059_consecutive_run,
    dl4000_maintainer,
    empty_continuation,
    syntax,
)


def _collect() -> tuple[Rule, ...]:
    found: list[Rule] = []
    import sys

    pkg = sys.modules[__name__]
    for modname in sorted(vars(pkg)):
        mod = getattr(pkg, modname)
        if getattr(mod, "__name__", "").startswith(__name__ + "."):
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


def get(key: str) -> Rule | None:
    """A rule by code, name or alias (case-insensitive)."""
    return _BY_KEY.get(key.strip().lower())


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

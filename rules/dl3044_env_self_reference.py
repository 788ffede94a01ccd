r"""## What it does
Flags an `ENV` with several `key=value` pairs where one value refers to a
variable that another pair of the same `ENV` defines (`ENV A=1 B=$A`), unless
an earlier `ARG` or `ENV` already defined it. A pair referring to itself
(`PATH=/opt/bin:$PATH`) is fine.

## Why it matters
Variables in an `ENV` are expanded with the values from *before* the
instruction: `ENV A=1 B=$A` sets `B` to the old `A` (usually empty), not to
`1`. Split the instruction, or write the value out.

## Example
```dockerfile
FROM alpine:3.20
ENV APP_HOME=/app APP_BIN=$APP_HOME/bin
```

## Use instead
```dockerfile
FROM alpine:3.20
ENV APP_HOME=/app
ENV APP_BIN=$APP_HOME/bin
```

## Differences from hadolint
References are found as BuildKit expands them: `${A:-x}` counts, and `'$A'`
or `\$A` (not expanded) do not; hadolint looks for the text `${A}` or `$A`.

## References
- hadolint: DL3044
"""
from __future__ import annotations

from dockwise.syntax.expand import ExpandError, expand_detailed
from dockwise.syntax.model import Dockerfile, Stage, by_source

from ._api import Finding, Severity, rule
from ._helpers import group_instructions

MESSAGE = "Do not refer to an environment variable within the same `ENV` statement where it is defined."


def _refs(value: str | None, escape: str) -> set[str]:
    if not value or "$" not in value:
        return set()
    try:
        return expand_detailed(value, lambda _name: None, escape)[1]
    except ExpandError as exc:
        return set(getattr(exc, "referenced", ()) or ())


@rule(
    code="DL3044",
    name="env-self-reference",
    summary="Do not refer to an environment variable within the same ENV statement where it is defined",
    severity=Severity.ERROR,
    tags=("env",),
    each="group",
    context=lambda df, st, ctx: _defined_before(df, st),
)
def env_self_reference(df: Dockerfile, st: Stage | None, ctx) -> list[Finding]:
    out = []
    # names an ARG or ENV defines, over the whole file (as hadolint): those of the groups
    # before that this group's ENVs define again
    defined: set[str] = set(_defined_before(df, st))
    for ins in group_instructions(df, st):
        if ins.keyword == "ARG":
            defined.update(p.key for p in ins.pairs)
        if ins.keyword != "ENV":
            continue
        keys = [p.key for p in ins.pairs]
        for j, p in enumerate(ins.pairs):
            refs = _refs(p.value, df.escape)
            if any(k in refs and k not in defined for i, k in enumerate(keys) if i != j):
                out.append(Finding(p.value_span or p.span, MESSAGE))
        defined.update(keys)
    return out


def _keys(ins) -> frozenset[str]:
    return frozenset(p.key for p in ins.pairs)


def _defined_before(df: Dockerfile, st: Stage | None) -> frozenset[str]:
    """The names the ARGs and ENVs of the groups before ``st`` define that an ENV of
    ``st`` defines too (the only ones a finding in ``st`` can depend on)."""
    got = df.derived.get("dl3044.defined")
    if got is None:
        got = {}
        acc: set[str] = set()  # what the groups before define
        here: set[str] = set()  # what this group's ARGs and ENVs define
        mine: set[str] = set()  # what this group's ENVs define
        group = None
        # the instructions before the first FROM come first (stage -1), then the stages in order
        for ins in df.instructions:
            if ins.keyword not in ("ARG", "ENV"):
                continue
            if ins.stage != group:
                if mine:
                    got[group] = frozenset(mine & acc)
                acc |= here
                here, mine, group = set(), set(), ins.stage
            keys = by_source(df, ins, "dl3044.keys", _keys)
            if ins.keyword == "ENV":
                mine |= keys
            here |= keys
        if mine:
            got[group] = frozenset(mine & acc)
        df.derived["dl3044.defined"] = got
    return got.get(-1 if st is None else st.index, frozenset())

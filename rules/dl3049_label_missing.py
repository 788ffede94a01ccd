r"""## What it does
For every label of the label schema, flags each stage that does not set it,
neither itself nor through a stage it is built `FROM`. A stage that serves as
the base of a stage that sets the label, and a stage used as a
`COPY --from` source, do not end up as an image of their own and are not
flagged. Reported on the stage's `FROM`, once per missing label.

## Options
```toml
[options.DL3049]
label-schema = { "org.opencontainers.image.source" = "url" }
```
hadolint's `label-schema` key in `.hadolint.yaml` (and
`HADOLINT_REQUIRE_LABELS=name:type,…`) sets this option for every label rule
(DL3049–DL3058); without a schema the rule checks nothing.

## Why it matters
Teams that require labels (source, owner, licence) rely on every image
carrying them; a stage built without them ships an image nobody can trace.

## Example
```dockerfile
FROM alpine:3.20
RUN echo hi
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.source="https://github.com/acme/app"
```

## Differences from hadolint
`COPY --from=<index>` exempts a stage like `COPY --from=<name>`, stage
names compare case-insensitively, and a base stage is exempted by any stage
built on it that sets the label (hadolint: only by one without an `AS` name).

## References
- hadolint: DL3049
"""
from __future__ import annotations

from dockwise.syntax.expand import unquote
from dockwise.syntax.model import Dockerfile

from ._api import Finding, Severity, rule
from ._labels import schema
from ._helpers import drop_quotes


@rule(
    code="DL3049",
    name="label-missing",
    summary="A label required by the label schema is missing",
    severity=Severity.INFO,
    tags=("label",),
)
def label_missing(df: Dockerfile, ctx) -> list[Finding]:
    wanted = schema(ctx)
    if not wanted or not df.stages:
        return []
    own: dict[int, set[str]] = {st.index: set() for st in df.stages}
    copied: set[str] = set()  # stage names and indices used by COPY --from
    for ins in df.instructions:
        st = df.stage_of(ins)
        if ins.keyword == "LABEL" and st is not None:
            own[st.index].update(unquote(p.key, df.escape) for p in ins.pairs)
        f = ins.flag("from") if ins.keyword == "COPY" else None
        if f is not None and f.value:
            copied.add(drop_quotes(f.value).lower())
    # a stage has a label when it or a stage it is built on sets it; a stage
    # that a later stage builds on is satisfied by a descendant that sets it
    have = {st.index: set().union(*(own[s.index] for s in df.stage_chain(st))) for st in df.stages}
    below = {st.index: set(own[st.index]) for st in df.stages}
    for st in df.stages:
        for s in df.stage_chain(st)[1:]:
            below[s.index] |= own[st.index]
    out = []
    for st in df.stages:
        if (st.name is not None and st.name in copied) or str(st.index) in copied:
            continue
        where = st.base.span if st.base is not None else df.instructions[st.from_instruction].keyword_span
        out += [Finding(where, f"Label `{label}` is missing.")
                for label in wanted if label not in have[st.index] and label not in below[st.index]]
    return out

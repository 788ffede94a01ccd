r"""## What it does
Flags `COPY --from=<name>` where the name is not a stage defined earlier in
the file (by its `AS` name, or its index counted from 0) and does not look
like an image reference (no `:`). A variable with a known value is expanded
first; one without is not checked.

## Why it matters
A misspelt stage name is not an error for BuildKit: it is taken as an image
name and pulled from a registry, which fails late or, worse, copies from an
unrelated image. Name stages and refer to them by name; for an image, give
its tag.

## Example
```dockerfile
FROM golang:1.23 AS build
RUN go build -o /out/app .
FROM alpine:3.20
COPY --from=biuld /out/app /app
```

## Use instead
```dockerfile
FROM golang:1.23 AS build
RUN go build -o /out/app .
FROM alpine:3.20
COPY --from=build /out/app /app
```

## Differences from hadolint
Stage names compare case-insensitively, as BuildKit compares them (hadolint
compares them as written). As in hadolint, `--from=nginx` (an image without a
tag) is flagged: write `nginx:1.27`.

## References
- hadolint: DL3022
"""
from __future__ import annotations

import hashlib

from dockwise.syntax.model import Dockerfile, Stage, by_source

from ._api import Finding, Severity, rule
from ._helpers import drop_quotes, group_instructions, known_value

MESSAGE = "`COPY --from` should reference a previously defined `FROM` alias"


def _from_value(ins) -> str | None:
    f = ins.flag("from")
    return None if f is None else f.value or ""


def _names(df: Dockerfile) -> tuple[dict[str, int], list[bytes]]:
    """(each stage name's first stage index, a digest of the names of the stages up
    to each stage): the digest is a group's context (what its findings depend on
    besides its stage chain), the index answers "defined by this stage?". Both are
    linear in the stages, memory included."""
    got = df.derived.get("dl3022.names")
    if got is None:
        first: dict[str, int] = {}
        chain: list[bytes] = []
        h = b""
        for s in df.stages:
            if s.name:
                first.setdefault(s.name, s.index)
                h = hashlib.blake2b(h + b"\0" + s.name.encode("utf-8", "surrogatepass"), digest_size=16).digest()
            chain.append(h)
        got = df.derived["dl3022.names"] = (first, chain)
    return got


def _context(df: Dockerfile, st: Stage | None, ctx) -> bytes:
    return b"" if st is None else _names(df)[1][st.index]


@rule(
    code="DL3022",
    name="copy-from-unknown-stage",
    summary="COPY --from should reference a previously defined FROM alias",
    severity=Severity.WARNING,
    tags=("copy", "multi-stage"),
    each="group",
    context=_context,
)
def copy_from_unknown_stage(df: Dockerfile, st: Stage | None, ctx) -> list[Finding]:
    out = []
    first = _names(df)[0]
    count = 0 if st is None else st.index + 1  # stages defined so far (COPY --from=0 … count-1)
    for ins in group_instructions(df, st):
        value = by_source(df, ins, "dl3022.from", _from_value) if ins.keyword == "COPY" else None
        if value is None:  # (asked by source: reading the flags of a moved COPY would move it)
            continue
        src = drop_quotes(value)
        if "$" in src:
            src = known_value(df, ins, src) or ""
            if not src:
                continue
        if ":" in src or first.get(src.lower(), count) < count or (src.isdigit() and int(src) < count):
            continue
        f = ins.flag("from")
        if f is not None:
            out.append(Finding(f.value_span or f.span, MESSAGE))
    return out

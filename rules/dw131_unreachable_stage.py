r"""## What it does
Flags a stage that the build does not need: it is neither the target (`docker
build --target NAME`, else the last stage) nor a stage the target depends on —
through `FROM`, `COPY --from=`, `RUN --mount=…,from=` or the `ONBUILD`
triggers of its base, transitively. BuildKit skips such a stage entirely:
its instructions never run, its mistakes are never reported by a build.

The build is the one dockwise lints for: `dockwise lint --target STAGE
--build-arg NAME=VALUE --platform P` (the `build.*` settings in the editor);
build arguments and the platform matter because `FROM build_${TARGETARCH}`
picks a stage by them. A `--target` that names no stage is reported once, on
the first `FROM`.

## Why it matters
A forgotten stage costs reading time and maintenance and hides the real build:
a test stage nobody runs, an old builder left behind after a refactoring, a
stage that is only built with `--target` that CI never passes. Either delete
it, or build it on purpose (`--target`, or `COPY --from` it).

## Example
```dockerfile
FROM golang:1.22 AS old-builder
RUN go build -o /app ./cmd/app

FROM golang:1.22 AS builder
RUN go build -o /app ./cmd/app

FROM gcr.io/distroless/static-debian12
COPY --from=builder /app /app
```

## Use instead
```dockerfile
FROM golang:1.22 AS builder
RUN go build -o /app ./cmd/app

FROM gcr.io/distroless/static-debian12
COPY --from=builder /app /app
```

## Quick fix
"Delete the stage" removes its lines (from the comment block right above its
`FROM` to the next stage), offered as an editor quick fix only (never applied
by `dockwise fix`: a stage built with `--target` elsewhere is not dead). Not
offered when another stage refers to this one, or to a later stage by number
(`--from=2` would then point elsewhere).

## Scope
The whole file; multi-target Dockerfiles (`dev`/`prod` stages built with
`--target`) are linted for one target at a time: set `build.target` (or
`--target`) for the one you build, or ignore the rule for the file.

## References
- https://docs.docker.com/build/building/multi-stage/#differences-between-legacy-builder-and-buildkit
- BuildKit: stages not reachable from the target are not built (dockerfile2llb `allReachableStages`)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Pos, Span
from dockwise.syntax.stages import target_stage, view_for

from ._api import Edit, Finding, Fix, Severity, rule
from ._buildkit import suggest


def _stage_lines(df: Dockerfile, index: int) -> tuple[int, int]:
    """[first, end) lines of a stage: its FROM's comment block to the next
    stage's (or the end of the file)."""

    def head(i: int) -> int:
        ln = df.instructions[df.stages[i].from_instruction].start_line
        prev_end = -1
        fi = df.stages[i].from_instruction
        if fi > 0:
            prev_end = df.instructions[fi - 1].end_line
        while ln - 1 > prev_end and df.lines[ln - 1].lstrip().startswith("#"):
            ln -= 1
        return ln

    first = head(index)
    end = head(index + 1) if index + 1 < len(df.stages) else len(df.lines)
    return first, end


def _fix(df: Dockerfile, index: int, view) -> Fix | None:
    for k, refs in enumerate(view.refs):
        if k == index:
            continue
        for ref in refs:
            if ref.stage == index or (ref.by_index and ref.stage > index):
                return None
    first, end = _stage_lines(df, index)
    if end >= len(df.lines):
        span = Span(Pos(first, 0), Pos(len(df.lines), 0))
    else:
        span = Span(Pos(first, 0), Pos(end, 0))
    st = df.stages[index]
    what = f"'{st.name}'" if st.name else f"{index}"
    return Fix.manual(f"Delete the unreachable stage {what}", Edit(span, ""))


@rule(
    code="DW131",
    name="unreachable-stage",
    summary="Stage not needed to build the target",
    severity=Severity.INFO,
    tags=("multi-stage", "stages"),
)
def unreachable_stage(df: Dockerfile, ctx) -> list[Finding]:
    if not df.stages:
        return []
    build = ctx.build
    view = view_for(df, build)
    if build.target and target_stage(df, build.target) is None:
        names = [s.name for s in df.stages if s.name]
        hint = suggest(build.target.lower(), names)
        first = df.instructions[df.stages[0].from_instruction]
        return [Finding(first.keyword_span, f"target stage '{build.target}' could not be found"
                        + (f" (did you mean {hint}?)" if hint else ""))]
    t = view.target
    if t is None:
        return []
    tgt = df.stages[t]
    if build.target:
        tname = f"the target '{tgt.name}'"
    else:
        tname = f"the last stage '{tgt.name}'" if tgt.name else "the last stage"
    out = []
    for st in df.stages:
        if st.index in view.built:
            continue
        ins = df.instructions[st.from_instruction]
        span = st.name_span or ins.keyword_span
        what = f"Stage '{st.name}'" if st.name else f"Stage {st.index}"
        out.append(Finding(span, f"{what} is not needed to build {tname}: docker build skips it",
                           _fix(df, st.index, view)))
    return out

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

from dockwise.syntax.model import Dockerfile, Pos, Span, Stage
from dockwise.syntax.stages import target_stage, view_for

from ._api import Edit, Finding, Fix, Severity, rule
from ._buildkit import suggest


def _stage_lines(df: Dockerfile, index: int) -> tuple[int, int]:
    """[first, end) lines of a stage: its FROM's comment block to the next
    stage's (or the end of the file)."""
    first = _head(df, index)
    end = _head(df, index + 1) if index + 1 < len(df.stages) else len(df.lines)
    return first, end


def _fix(df: Dockerfile, index: int, blockers: "_Blockers") -> Fix | None:
    if blockers.blocks(index):
        return None
    first, end = _stage_lines(df, index)
    if end >= len(df.lines):
        span = Span(Pos(first, 0), Pos(len(df.lines), 0))
    else:
        span = Span(Pos(first, 0), Pos(end, 0))
    st = df.stages[index]
    what = f"'{st.name}'" if st.name else f"{index}"
    return Fix.manual(f"Delete the unreachable stage {what}", Edit(span, ""))


class _Blockers:
    """Whether deleting stage ``index`` would change what another stage refers to:
    another stage refers to it, or refers to a later stage by index (``--from=2``
    would then point elsewhere). Built once over every reference (linear)."""

    def __init__(self, view) -> None:
        self.by: dict[int, set[int]] = {}  # stage -> stages that refer to it
        self.by_index: list[tuple[int, int]] = []  # (stage referred to by index, referring stage), largest first
        for k, refs in enumerate(view.refs):
            for ref in refs:
                self.by.setdefault(ref.stage, set()).add(k)
                if ref.by_index:
                    self.by_index.append((ref.stage, k))
        self.by_index.sort(reverse=True)

    def blocks(self, index: int) -> bool:
        if any(k != index for k in self.by.get(index, ())):
            return True
        for stage, k in self.by_index:  # the largest index referred to from another stage
            if stage <= index:
                return False
            if k != index:
                return True
        return False


def _facts(df: Dockerfile, build) -> tuple:
    """(message of a target that is not found or None, the target's description,
    the stages built, blockers), once per model and build."""
    key = ("dw131.facts", build)
    got = df.derived.get(key)
    if got is not None:
        return got
    view = view_for(df, build)
    missing = None
    if build.target and target_stage(df, build.target) is None:
        names = [s.name for s in df.stages if s.name]
        hint = suggest(build.target.lower(), names)
        missing = f"target stage '{build.target}' could not be found" + (f" (did you mean {hint}?)" if hint else "")
    tname = None
    t = view.target
    if missing is None and t is not None:
        tgt = df.stages[t]
        if build.target:
            tname = f"the target '{tgt.name}'"
        else:
            tname = f"the last stage '{tgt.name}'" if tgt.name else "the last stage"
    got = df.derived[key] = (missing, tname, view.built, _Blockers(view))
    return got


def _comments_above(df: Dockerfile, index: int) -> int:
    """How many comment lines right above stage ``index``'s FROM a deletion takes along."""
    ln = df.instructions[df.stages[index].from_instruction].start_line
    return ln - _head(df, index)


def _head(df: Dockerfile, i: int) -> int:
    ln = df.instructions[df.stages[i].from_instruction].start_line
    prev_end = -1
    fi = df.stages[i].from_instruction
    if fi > 0:
        prev_end = df.instructions[fi - 1].end_line
    while ln - 1 > prev_end and df.lines[ln - 1].lstrip().startswith("#"):
        ln -= 1
    return ln


def _context(df: Dockerfile, st: Stage | None, ctx) -> object:
    """What a stage's finding reads besides its own lines: whether the target is
    missing (its message, on the first stage), the target's description, whether
    the stage is built and whether another stage blocks its deletion, and how many
    comment lines above its FROM (in the stage before) its deletion takes along."""
    if st is None or not df.stages:
        return None
    missing, tname, built, blockers = _facts(df, ctx.build)
    if missing is not None:
        return (missing if st.index == 0 else True,)
    if tname is None or st.index in built:
        return (None, tname)
    return (None, tname, False, blockers.blocks(st.index), _comments_above(df, st.index))


@rule(
    code="DW131",
    name="unreachable-stage",
    summary="Stage not needed to build the target",
    severity=Severity.INFO,
    tags=("multi-stage", "stages"),
    each="group",
    context=_context,
)
def unreachable_stage(df: Dockerfile, st: Stage | None, ctx) -> list[Finding]:
    if st is None or not df.stages:
        return []
    missing, tname, built, blockers = _facts(df, ctx.build)
    if missing is not None:
        if st.index != 0:
            return []
        first = df.instructions[df.stages[0].from_instruction]
        return [Finding(first.keyword_span, missing)]
    if tname is None or st.index in built:
        return []
    ins = df.instructions[st.from_instruction]
    span = st.name_span or ins.keyword_span
    what = f"Stage '{st.name}'" if st.name else f"Stage {st.index}"
    return [Finding(span, f"{what} is not needed to build {tname}: docker build skips it",
                    _fix(df, st.index, blockers))]

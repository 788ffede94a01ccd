r"""## What it does
Flags an `ARG` that nothing in the build uses:

- a **global** `ARG` (before the first `FROM`) that no `FROM` of a stage the
  build runs names (image or `--platform`), that no such stage imports with
  `ARG NAME`, and that no used global `ARG`'s default refers to;
- an `ARG` **in a stage** the build runs that no later instruction of the
  stage, or of a stage built `FROM` it, refers to (`$NAME`/`${NAME}` in any
  instruction BuildKit expands or in a `RUN`'s shell text), with no `RUN`
  after it there either — a `RUN` sees every ARG as an environment variable
  (`ARG DEBIAN_FRONTEND=noninteractive` before `RUN apt-get …` is used).

The stages the build runs are the target (`--target`, else the last stage) and
those it needs (see DW131); ARGs in other stages are not reported (DW131
reports the stage). Names BuildKit itself reads are never reported:
`BUILDKIT_*` (e.g. `BUILDKIT_SBOM_SCAN_STAGE`), `SOURCE_DATE_EPOCH` and the
proxy variables.

## Why it matters
An unused ARG is a knob that does nothing: `--build-arg VERSION=2` is accepted
and silently ignored. A common case is an ARG read only by `CMD` or
`ENTRYPOINT`: ARGs exist at build time only, so the container never sees it.

## Example
```dockerfile
ARG NODE_VERSION=22
ARG DEBIAN_VERSION=bookworm
FROM node:${NODE_VERSION}-slim
ARG PORT=8080
COPY server.js /app/
CMD ["node", "/app/server.js"]
```

## Use instead
```dockerfile
ARG NODE_VERSION=22
FROM node:${NODE_VERSION}-slim
ENV PORT=8080
COPY server.js /app/
CMD ["node", "/app/server.js"]
```

## Quick fix
"Delete ARG NAME" removes the declaration (the whole `ARG` line, or just the
name from an `ARG` that declares several), offered as an editor quick fix
only: `dockwise fix` never applies it (a script copied into the image might
read the variable in a way dockwise cannot see).

## Scope
The stages the build runs (`build.target`/`--target`, build arguments and the
platform decide them, see DW131).

## References
- https://docs.docker.com/reference/dockerfile/#arg
- https://docs.docker.com/reference/dockerfile/#understand-how-arg-and-from-interact
"""
from __future__ import annotations

from dockwise.syntax.expand import variables_in
from dockwise.syntax.model import Dockerfile, Instruction, KeyValue, Pos, Span, by_source
from dockwise.syntax.stages import from_word, view_for

from ._api import Edit, Finding, Fix, Severity, rule

_PROXIES = frozenset(p for n in ("HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY")
                     for p in (n, n.lower()))
_KEY = "dockwise.rules.dw130"
# instructions whose $VARs nothing expands at build time: CMD/ENTRYPOINT/HEALTHCHECK
# run in the container (where ARGs do not exist), ONBUILD in another build
_NOT_EXPANDED = frozenset({"CMD", "ENTRYPOINT", "HEALTHCHECK", "ONBUILD", "SHELL", "MAINTAINER"})


def _exempt(name: str) -> bool:
    return name.startswith("BUILDKIT_") or name == "SOURCE_DATE_EPOCH" or name in _PROXIES


def refs(df: Dockerfile, ins: Instruction) -> frozenset[str]:
    """Every variable an instruction refers to (its text, flags, heredoc bodies)."""
    memo = df.derived.setdefault(_KEY, {})
    got = memo.get(ins.index)
    if got is not None:
        return got
    eff = ins.effective
    names: set[str] = set()
    if ins.keyword in _NOT_EXPANDED:
        got = memo[ins.index] = frozenset()
        return got
    parts = [eff.text] + [f.raw for f in eff.flags] + [h.body for h in eff.heredocs if not h.quoted]
    for p in parts:
        if "$" in p:
            names.update(n for n, _a, _b in variables_in(p, df.escape))
    got = memo[ins.index] = frozenset(names)
    return got


def _delete(df: Dockerfile, ins: Instruction, pair: KeyValue) -> Fix:
    title = f"Delete ARG {pair.key}"
    if len(ins.pairs) == 1:
        end_line = ins.end_line + 1
        if end_line < len(df.lines):
            span = Span(Pos(ins.start_line, 0), Pos(end_line, 0))
        else:  # the last line: take the line break before it (a stage's ARG: its FROM is above)
            span = Span(Pos(ins.start_line - 1, len(df.lines[ins.start_line - 1])), ins.span.end)
        return Fix.manual(title, Edit(span, ""))
    k = ins.pairs.index(pair)
    if k + 1 < len(ins.pairs):
        span = Span(pair.span.start, ins.pairs[k + 1].span.start)
    else:
        span = Span(ins.pairs[k - 1].span.end, pair.span.end)
    return Fix.manual(title, Edit(span, ""))


@rule(
    code="DW130",
    name="unused-arg",
    summary="ARG declared but never used in the stages that are built",
    severity=Severity.INFO,
    tags=("args", "multi-stage"),
)
def unused_arg(df: Dockerfile, ctx) -> list[Finding]:
    if not df.stages:
        return []
    view = view_for(df, ctx.build)
    built = view.built
    out: list[Finding] = []
    below = _Below(df, view.parents, built)

    # -- ARGs in stages ---------------------------------------------------------------
    imported: set[str] = set()
    for st in df.stages:
        if st.index not in built:
            continue
        # the last RUN of the stage, and per name the last instruction referring to it
        last_run, last_ref = -1, {}
        for i in st.instructions:
            other = df.instructions[i]
            if other.keyword == "RUN":
                last_run = i
            else:
                for k in refs(df, other):
                    last_ref[k] = i
        for ins in df.stage_instructions(st):
            if ins.keyword != "ARG":
                continue
            for p in ins.pairs:
                if p.value is None:
                    imported.add(p.key)
            for p in ins.pairs:
                if not p.key or _exempt(p.key):
                    continue
                used = (any(p.key in _pair_refs(q, df) for q in ins.pairs if q is not p)
                        or last_run > ins.index or last_ref.get(p.key, -1) > ins.index
                        or below.uses(st.index, p.key))
                if not used:
                    out.append(Finding(p.key_span, f"ARG {p.key} is never used: no later instruction of the "
                                                   "stage (or of a stage built FROM it) refers to it, and no RUN "
                                                   "follows it", _delete(df, ins, p)))

    # -- global ARGs -------------------------------------------------------------------
    globals_: list[tuple[Instruction, KeyValue]] = []
    for ins in df.instructions:
        if ins.stage >= 0:
            break
        if ins.keyword == "ARG":
            globals_.extend((ins, p) for p in ins.pairs if p.key)
    if not globals_:
        return out
    from_refs: set[str] = set()
    unbuilt_refs: dict[str, str] = {}
    for st in df.stages:
        ins = df.instructions[st.from_instruction]
        names = set()
        word = by_source(df, ins, "stages.from-word", from_word)  # not ins.args: that would move a moved FROM
        if word is not None and "$" in word:
            names.update(n for n, _a, _b in variables_in(word, df.escape))
        if st.platform and "$" in st.platform:
            names.update(n for n, _a, _b in variables_in(st.platform, df.escape))
        if st.index in built:
            from_refs |= names
        else:
            for n in names:
                unbuilt_refs.setdefault(n, st.name or str(st.index))
    used = from_refs | imported
    # a used global ARG's default uses the ARGs it refers to (a worklist: each name once)
    defaults: dict[str, list[str]] = {}
    for _ins, p in globals_:
        if p.value and "$" in p.value:
            defaults.setdefault(p.key, []).append(p.value)
    todo = list(used)
    while todo:
        for v in defaults.pop(todo.pop(), ()):
            for n, _a, _b in variables_in(v, df.escape):
                if n not in used:
                    used.add(n)
                    todo.append(n)
    last_decl = {p.key: ins.index for ins, p in globals_}  # the last declaration of each name
    for ins, p in globals_:
        if p.key in used or _exempt(p.key):
            continue
        if last_decl[p.key] > ins.index:
            continue  # declared again later: that one is reported instead
        msg = f"global ARG {p.key} is never used: no FROM of a stage the build runs refers to it and no such " \
              f"stage imports it with 'ARG {p.key}'"
        if p.key in unbuilt_refs:
            msg = f"global ARG {p.key} is only used by stage '{unbuilt_refs[p.key]}', which the build does not run"
        out.append(Finding(p.key_span, msg, _delete(df, ins, p)))
    return out


class _Below:
    """What the built stages below a stage (built FROM it, at any depth) do:
    whether one has a RUN, and which names their instructions refer to. The
    FROM tree is numbered in pre-order, so a stage's descendants are one range
    of numbers: a question costs a bisection, not a walk of every chain."""

    def __init__(self, df: Dockerfile, parents, built) -> None:
        kids: dict[int, list[int]] = {}
        roots = []
        for s in sorted(built):
            p = parents[s]
            if p is not None and p in built:
                kids.setdefault(p, []).append(s)
            else:
                roots.append(s)
        # a parent is an earlier stage (syntax.stages names only those): the FROM
        # graph is a forest, and every built stage is found once from its root
        self.pre: dict[int, int] = {}
        self.last: dict[int, int] = {}  # the greatest pre-order number in the subtree
        order: list[int] = []
        for root in roots:
            stack = [(root, False)]
            while stack:
                s, done = stack.pop()
                if done:
                    self.last[s] = len(order) - 1
                    continue
                self.pre[s] = len(order)
                order.append(s)
                stack.append((s, True))
                stack.extend((k, False) for k in reversed(kids.get(s, ())))
        runs: list[int] = []
        by_name: dict[str, list[int]] = {}
        for n, s in enumerate(order):
            for i in df.stages[s].instructions:
                ins = df.instructions[i]
                if ins.keyword == "RUN":
                    if not runs or runs[-1] != n:
                        runs.append(n)
                else:
                    for k in refs(df, ins):
                        got = by_name.setdefault(k, [])
                        if not got or got[-1] != n:
                            got.append(n)
        self.runs, self.by_name = runs, by_name

    def uses(self, stage: int, name: str) -> bool:
        """Whether a stage strictly below ``stage`` has a RUN or refers to ``name``."""
        from bisect import bisect_right

        lo, hi = self.pre[stage], self.last[stage]
        for seq in (self.runs, self.by_name.get(name, ())):
            j = bisect_right(seq, lo)
            if j < len(seq) and seq[j] <= hi:
                return True
        return False


def _pair_refs(p: KeyValue, df: Dockerfile) -> set[str]:
    if not p.value or "$" not in p.value:
        return set()
    return {n for n, _a, _b in variables_in(p.value, df.escape)}

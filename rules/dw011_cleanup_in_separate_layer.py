r"""## What it does
Flags a `RUN` that only cleans up: every command in it deletes caches,
package lists, temporary files or downloaded archives (`rm -rf
/var/lib/apt/lists/*`, `rm -rf /tmp/*`, `rm *.tar.gz`, `apt-get clean`,
`apt-get autoremove`, `yum clean all`, `dnf clean all`, `apk cache clean`,
`npm cache clean`, `pip cache purge`, `find … -name '*.pyc' -delete`,
PowerShell `Remove-Item` of temp files …), in a stage that ends up in the
final image (the target stage and the stages it is built `FROM`). A `RUN` that deletes anything else (a config file, an
application directory) is a functional change and is not flagged, nor is
removing packages with `apt-get purge`/`remove`.

## Why it matters
Layers only add. Files created in an earlier layer (or in the base image)
and deleted in a later one are still in the image and are still
downloaded: the deletion only hides them, and adds a layer. Clean up in the
same `RUN` that created the files ("Creating effective images": clean up in
the same layer).

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl
RUN apt-get clean && rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && apt-get clean && rm -rf /var/lib/apt/lists/*
```

## Fix
Moves the cleanup into the `RUN` that created the files and deletes the
now-empty `RUN`: the cleanup commands are appended to that `RUN` as
` \` + newline + `    && <cleanup>` (as written, continuation lines
included; a command the `RUN` already ends with is not repeated). The `RUN`
that created the files is the nearest earlier `RUN` of the stage that ran the
matching package manager or tool (`apt-get clean` → the `RUN` that ran
apt, `rm -rf /var/cache/apk/*` → `apk`, `npm cache clean` → `npm`, …);
for a cleanup of generic paths only (`/tmp/*`, archives) it is the `RUN`
right before.

Safe when the two `RUN`s are adjacent (only comments or blank lines
between): the image's files end up the same. Otherwise unsafe: the cleanup
now runs before the instructions in between, which may still need the files
or create more. Not offered for exec-form, heredoc or `ONBUILD` `RUN`s,
scripts with a shell comment, a cleanup `RUN` that is not a plain `&&`
chain, `RUN`s with different flags (a cache mount would swallow the
cleanup), an earlier `RUN` whose script cannot take an appended command
(ends in `exit`, `;` or `&`), or a cleanup with relative paths when the
working directory may differ (`cd` in the earlier `RUN`, a `WORKDIR` in
between).

## References
- DockerCon talk "Creating effective images": clean up in the same layer
- https://docs.docker.com/build/building/best-practices/#apt-get
- hadolint: DL3009 (related: delete the apt lists in the same RUN)
"""
from __future__ import annotations


from dockwise import lazyre
from dockwise.syntax.commands import Command, run_view
from dockwise.syntax.model import Dockerfile, Instruction, Span, Stage

from ._api import Edit, Finding, Fix, Severity, rule
from ._helpers import group_instructions, in_final_image
from ._pm import cleanup_kind, creates, is_cleanup
from ._runfix import STATEFUL, and_chain, delete_instruction, end_of_text, ends_plainly, flags_key, physical, plain_run
from ._runfix import indent_of_last_line

_TRIVIAL = {"", "set", "true", ":", "echo", "exit"}


def _relative(cs: list[Command]) -> bool:
    """A path argument not anchored at / or a variable (it depends on the working directory)."""
    return any(
        not w.value.startswith(("-", "/", "$", "~", "{}", ";", "+", "*.", "__pycache__")) and c.name in ("rm", "find")
        for c in cs
        for w in c.args
    )


_LINE = lazyre.compile(r"on line (\d+)$")


def _fix(df: Dockerfile, ins: Instruction, cs: list[Command]) -> Fix | None:
    if not plain_run(ins):
        return None
    v = run_view(ins)
    chain = and_chain(ins.text)
    if chain is None or len(chain) != len(v.commands) or len(cs) != len(v.commands):
        return None  # not a plain `a && b` chain, or an `sh -c` inside
    kinds = {k for c in cs if (k := cleanup_kind(c)) is not None}
    st = df.stage_of(ins)
    if st is None:
        return None
    before = [df.instructions[i] for i in st.instructions if i < ins.index]
    target = None
    for other in reversed(before):
        if other.keyword == "RUN" and (not kinds or all(creates(k, run_view(other).commands) for k in kinds)):
            target = other
            break
        if not kinds:
            return None  # generic paths: only the RUN right before
    if target is None or not plain_run(target) or flags_key(target) != flags_key(ins) or not ends_plainly(df, target):
        return None
    between = df.instructions[target.index + 1 : ins.index]
    adjacent = not between and not any(
        df.lines[i].strip() and not df.lines[i].lstrip().startswith("#") for i in range(target.end_line + 1, ins.start_line)
    )
    tcs = run_view(target).simple
    names = {c.simple.name for c in tcs}
    if _relative(cs) and (names & {"cd", "pushd", "popd"} or any(b.keyword == "WORKDIR" for b in between)):
        return None
    if not adjacent and len(chain) != len(cs):
        return None  # trivial commands (echo …) would move past other instructions
    remove = delete_instruction(df, ins)
    if remove is None:
        return None
    # commands the earlier RUN already ends with are not repeated
    tail = [c.simple.argv for c in tcs[-len(chain):]]
    keep = [c for c in chain if c.simple.argv not in tail]
    if len(keep) == len(chain):
        moved = physical(df, ins.text_map.pos(0), end_of_text(ins))
    else:
        moved = " && ".join(ins.text[c.span.start.col : c.span.end.col] for c in keep)
    title = f"Move the cleanup into the RUN on line {target.start_line + 1}"
    edits = [remove]
    if keep:
        at = end_of_text(target)
        indent = indent_of_last_line(df, target) if target.end_line > target.start_line else "    "
        edits.append(Edit(Span(at, at), f" {df.escape}\n{indent}&& {moved}"))
    unsafe = not adjacent or bool(names & (STATEFUL - {"set"})) or any(not c.simple.name and c.assignments for c in tcs)
    return Fix.unsafe(title, *edits) if unsafe else Fix.safe(title, *edits)


@rule(
    code="DW011",
    name="cleanup-in-separate-layer",
    summary="A RUN that only cleans up what an earlier layer created",
    severity=Severity.WARNING,
    tags=("size", "layers", "talk"),
    final_image_only=True,
    fixable=True,
    each="group",
    context=in_final_image,
    # the fix's title names the line of the RUN it merges into (same stage: it moves with it)
    retitle=lambda text, d: _LINE.sub(lambda m: f"on line {int(m.group(1)) + d}", text),
)
def cleanup_in_separate_layer(df: Dockerfile, st: Stage | None, ctx) -> list[Finding]:
    out: list[Finding] = []
    if not in_final_image(df, st, ctx):
        return out
    for ins in group_instructions(df, st):
        if ins.effective.keyword != "RUN":
            continue
        v = run_view(ins)
        cs = [c for c in v.commands if c.name.lower() not in _TRIVIAL]
        if cs and all(is_cleanup(c, v.cache_targets) for c in cs):
            out.append(
                Finding(
                    Span(cs[0].span.start, cs[-1].span.end),
                    "This RUN only cleans up files an earlier layer created: they stay in the image; "
                    "clean up in the RUN that created them",
                    _fix(df, ins, cs),
                )
            )
    return out

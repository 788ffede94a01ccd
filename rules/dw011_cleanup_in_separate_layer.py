r"""## What it does
Flags a `RUN` that only cleans up: every command in it deletes caches,
package lists, temporary files or downloaded archives (`rm -rf
/var/lib/apt/lists/*`, `rm -rf /tmp/*`, `rm *.tar.gz`, `apt-get clean`,
`apt-get autoremove`, `yum clean all`, `dnf clean all`, `apk cache clean`,
`npm cache clean`, `pip cache purge`, `find … -name '*.pyc' -delete`,
PowerShell `Remove-Item` of temp files …), in a stage that ends up in the
final image. A `RUN` that deletes anything else (a config file, an
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

import re

from dockwise.syntax.model import Dockerfile, Instruction, Span

from ._api import Edit, Finding, Fix, Severity, rule
from ._helpers import cache_mount_targets
from ._runfix import STATEFUL, and_chain, delete_instruction, end_of_text, ends_plainly, flags_key, physical, plain_run
from ._runfix import indent_of_last_line
from ._talk import APK, APT, RPM, ZYPPER, Cmd, commands, final_chain_indices, run_instructions

_CLEAN_PATH = re.compile(
    r"""(?ix)
    ^/var/lib/apt/lists(/|$) | ^/var/cache(/|$) | ^/var/lib/(dnf|yum)(/|$) | ^/var/lib/apt/?$
    | ^/tmp(/|$) | ^/var/tmp(/|$) | ^/var/log(/|$)
    | (^|/)\.cache(/|$) | (^|/)\.npm(/|$) | (^|/)\.m2(/|$) | (^|/)\.gradle/caches | (^|/)\.composer/cache
    | (^|/)\.cargo/registry | (^|/)\.bundle/cache | /usr/local/share/\.cache
    | ^/usr/share/(doc|man|info|locale)(/|$)
    | (^|/)__pycache__(/|$) | \.pyc$ | \.pyo$
    | \.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|zip|deb|rpm|apk|whl|gem|msi)$
    | ^c:/windows/temp | ^\$env:te?mp | (^|/)temp(/|\*|$)
    """
)
_TRIVIAL = {"", "set", "true", ":", "echo", "exit"}
_RM = {"rm", "remove-item", "del", "erase", "rd", "rmdir", "ri"}


def _clean_target(value: str) -> bool:
    v = value.replace("\\", "/").strip("\"'")
    return bool(_CLEAN_PATH.search(v))


def _is_cleanup(c: Cmd, cache_targets: list[str]) -> bool:
    sub = c.sub()
    if c.name in APT:
        return sub in ("clean", "autoclean", "autoremove")
    if c.name in RPM or c.name in ZYPPER:
        return sub in ("clean", "cc")
    if c.name in APK:
        return sub == "cache" and any(w.value in ("clean", "purge") for w in c.args)
    if c.name in ("npm", "yarn", "pnpm"):
        return sub == "cache" and any(w.value in ("clean", "clear", "prune") for w in c.args) or sub == "store" and "prune" in c.values
    if c.name.startswith("pip") and c.name[3:].replace(".", "").isdigit() or c.name == "pip":
        return sub == "cache"
    if c.name in ("conda", "mamba", "micromamba"):
        return sub == "clean"
    if c.name == "composer":
        return sub in ("clear-cache", "clearcache")
    if c.name == "go":
        return sub == "clean"
    if c.name in _RM:
        targets = [w.value for w in c.args if not w.value.startswith("-")]
        if not targets:
            return False
        for t in targets:
            if any(t.startswith(m.rstrip("/") + "/") or t == m for m in cache_targets):
                return False  # cleans a cache mount, not the image
        return all(_clean_target(t) for t in targets)
    if c.name == "find":
        vals = [w.value for w in c.args]
        deletes = "-delete" in vals or ("-exec" in vals and any(v in ("rm", "/bin/rm") for v in vals))
        if not deletes:
            return False
        start = [v for v in vals[:1] if not v.startswith("-")]
        names = [vals[i + 1] for i, v in enumerate(vals[:-1]) if v in ("-name", "-iname")]
        return any(_clean_target(s) for s in start) or any(n in ("*.pyc", "*.pyo", "__pycache__") for n in names)
    return False


_KIND_PATH = (
    (re.compile(r"^/var/(lib|cache)/apt(/|$)"), "apt"),
    (re.compile(r"^/var/(lib|cache)/(yum|dnf)(/|$)"), "rpm"),
    (re.compile(r"^/var/cache/zypp(/|$)"), "zypper"),
    (re.compile(r"^/var/cache/apk(/|$)"), "apk"),
    (re.compile(r"(^|/)\.npm(/|$)"), "npm"),
    (re.compile(r"(^|/)\.cache/pip(/|$)"), "pip"),
    (re.compile(r"(^|/)\.cache/yarn(/|$)"), "yarn"),
)


def _is_pip(name: str) -> bool:
    return name == "pip" or name.startswith("pip") and name[3:].replace(".", "").isdigit()


def _kind(c: Cmd) -> str | None:
    """Which tool's files a cleanup command removes (None: generic paths)."""
    for names, kind in ((APT, "apt"), (RPM, "rpm"), (ZYPPER, "zypper"), (APK, "apk")):
        if c.name in names:
            return kind
    if c.name in ("npm", "yarn", "pnpm", "composer", "go"):
        return c.name
    if _is_pip(c.name):
        return "pip"
    if c.name in ("conda", "mamba", "micromamba"):
        return "conda"
    kinds = {k for w in c.args for rx, k in _KIND_PATH if rx.search(w.value.strip("\"'"))}
    return kinds.pop() if len(kinds) == 1 else None


def _created_by(kind: str, cs: list[Cmd]) -> bool:
    for c in cs:
        if kind in ("apt", "rpm", "zypper", "apk") and _kind(c) == kind and c.sub() not in ("clean", "cc", "cache"):
            return True
        if kind == "pip" and (_is_pip(c.name) or c.name == "uv" and c.sub() == "pip"):
            return True
        if kind == "conda" and c.name in ("conda", "mamba", "micromamba"):
            return True
        if kind == c.name and c.sub() not in ("cache", "clean", "clear-cache", "clearcache"):
            return True
    return False


def _relative(cs: list[Cmd]) -> bool:
    """A path argument not anchored at / or a variable (it depends on the working directory)."""
    return any(
        not w.value.startswith(("-", "/", "$", "~", "{}", ";", "+", "*.", "__pycache__")) and c.name in ("rm", "find")
        for c in cs
        for w in c.args
    )


def _fix(df: Dockerfile, ins: Instruction, cs: list[Cmd]) -> Fix | None:
    if not plain_run(ins):
        return None
    chain = and_chain(ins.text)
    if chain is None or len(chain) != len(ins.shell.commands) or len(cs) != len(commands(ins)):
        return None  # not a plain `a && b` chain, or an `sh -c` inside
    kinds = {_kind(c) for c in cs} - {None}
    st = df.stage_of(ins)
    if st is None:
        return None
    before = [df.instructions[i] for i in st.instructions if i < ins.index]
    target = None
    for other in reversed(before):
        if other.keyword == "RUN" and (not kinds or all(_created_by(k, commands(other)) for k in kinds)):
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
    names = {c.name for c in target.shell.commands}
    relative = _relative(cs)
    if relative and (names & {"cd", "pushd", "popd"} or any(b.keyword == "WORKDIR" for b in between)):
        return None
    if not adjacent and len(chain) != len(cs):
        return None  # trivial commands (echo …) would move past other instructions
    remove = delete_instruction(df, ins)
    if remove is None:
        return None
    # commands the earlier RUN already ends with are not repeated
    tail = [c.argv for c in target.shell.commands[-len(chain):]]
    keep = [c for c in chain if c.argv not in tail]
    text = ins.text.rstrip()
    if len(keep) == len(chain):
        start = ins.text_map.pos(0)
        moved = physical(df, start, end_of_text(ins))
    else:
        moved = " && ".join(text[c.span.start.col : c.span.end.col] for c in keep)
    title = f"Move the cleanup into the RUN on line {target.start_line + 1}"
    edits = [remove]
    if keep:
        at = end_of_text(target)
        indent = indent_of_last_line(df, target) if target.end_line > target.start_line else "    "
        edits.append(Edit(Span(at, at), f" {df.escape}\n{indent}&& {moved}"))
    unsafe = not adjacent or bool(names & (STATEFUL - {"set"})) or any(not c.name and c.assignments for c in target.shell.commands)
    return Fix.unsafe(title, *edits) if unsafe else Fix.safe(title, *edits)


@rule(
    code="DW011",
    name="cleanup-in-separate-layer",
    summary="A RUN that only cleans up what an earlier layer created",
    severity=Severity.WARNING,
    tags=("size", "layers", "talk"),
    final_image_only=True,
    fixable=True,
)
def cleanup_in_separate_layer(df: Dockerfile, ctx) -> list[Finding]:
    shipped = final_chain_indices(df)
    out = []
    for ins in run_instructions(df):
        if ins.stage not in shipped:
            continue
        cs = [c for c in commands(ins) if c.name.lower() not in _TRIVIAL]
        if not cs:
            continue
        targets = cache_mount_targets(ins)
        if all(_is_cleanup(c, targets) for c in cs):
            span = Span(cs[0].span.start, cs[-1].span.end)
            out.append(
                Finding(
                    span,
                    "This RUN only cleans up files an earlier layer created: they stay in the image; "
                    "clean up in the RUN that created them",
                    _fix(df, ins, cs),
                )
            )
    return out

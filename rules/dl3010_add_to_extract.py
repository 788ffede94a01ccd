r"""## What it does
Flags a `COPY` of a local tar archive (`.tar`, `.tar.gz`, `.tgz`, `.tar.xz`,
…) that a later `RUN` of the same stage extracts (`tar -x`, `tar xzf`,
`gunzip`, `unxz`, … with the archive's file name). Reported on the `COPY`.

## Why it matters
The archive stays in the `COPY` layer even if the `RUN` deletes it: the image
carries it twice, packed and unpacked. `ADD` extracts a local tar archive as
it copies it, in one layer.

## Example
```dockerfile
FROM debian:12
COPY app.tar.gz /tmp/
RUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz
```

## Use instead
```dockerfile
FROM debian:12
ADD app.tar.gz /opt/
```

## Differences from hadolint
tar's old-style options (`tar xzf a.tgz`) and combined flags count as
extraction; `--exclude` does not (hadolint reads any option containing `x`
as `-x`). `sudo tar` counts. A `RUN` that cmd or PowerShell runs is not
checked.

## References
- hadolint: DL3010
"""
from __future__ import annotations

from dockwise.syntax.commands import Command
from dockwise.syntax.model import Dockerfile, Stage

from ._api import Finding, Severity, rule
from ._helpers import copy_paths, drop_quotes, group_instructions, head_span, shell_commands

MESSAGE = "Use `ADD` for extracting archives into an image"
# tar archives ADD unpacks (hadolint's list; .zip is not one)
ARCHIVES = (".tar", ".Z", ".bz2", ".gz", ".lz", ".lzma", ".tZ", ".tb2", ".tbz", ".tbz2", ".tgz", ".tlz", ".tpz",
            ".txz", ".xz")
UNPACKERS = frozenset({"unzip", "gunzip", "bunzip2", "unlzma", "unxz", "zgz", "uncompress", "zcat", "gzcat"})


def basename(path: str) -> str:
    p = drop_quotes(path)
    return p[max(p.rfind("/"), p.rfind("\\")) + 1:]


def extracts(c: Command) -> bool:
    if c.name in UNPACKERS:
        return True
    if c.name != "tar" or not c.args:
        return False
    first = c.args[0].value
    if not first.startswith("-") and "x" in first:  # tar xzf a.tgz
        return True
    return any(v in ("--extract", "--get") or (v.startswith("-") and not v.startswith("--") and "x" in v)
               for v in c.values)


@rule(
    code="DL3010",
    name="add-to-extract",
    summary="Use ADD for extracting archives into an image",
    severity=Severity.INFO,
    tags=("copy", "add", "size"),
    each="group",
)
def add_to_extract(df: Dockerfile, st: Stage | None, ctx) -> list[Finding]:
    out = []
    for instructions in (group_instructions(df, st),):
        archives: dict[str, list] = {}  # archive file name -> COPYs that brought it
        flagged: set[int] = set()
        for ins in instructions:
            if ins.keyword == "COPY" and ins.flag("from") is None:
                sources, dest = copy_paths(ins)
                if dest is not None and drop_quotes(dest.value).endswith(ARCHIVES):
                    names = [basename(dest.value)]
                else:
                    names = [basename(s.value) for s in sources if drop_quotes(s.value).endswith(ARCHIVES)]
                for n in names:
                    archives.setdefault(n, []).append(ins)
            elif ins.keyword == "RUN" and archives:
                for c in shell_commands(ins):
                    if not extracts(c):
                        continue
                    for w in c.values:
                        for copy in archives.get(basename(w), ()):
                            if copy.index not in flagged:
                                flagged.add(copy.index)
                                out.append(Finding(head_span(df, copy), MESSAGE))
    return out

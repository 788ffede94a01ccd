r"""## What it does
Flags an `ADD` whose sources include a local file or directory that is not
an archive (by extension: `.tar`, `.gz`, `.tgz`, `.bz2`, `.xz`, `.zst`, …).

## Why it matters
`ADD` does more than copy: it downloads URLs and unpacks local archives.
For plain files and directories `COPY` does the same thing with no
surprises (a file that happens to be an archive is not unpacked), and
readers do not have to wonder which behaviour was intended.

Not flagged: `ADD` of URLs (`http://`, `https://`), git sources
(`git@host:repo.git`, `git://`, `ssh://`), local archives, and sources
that start with a variable whose value is unknown (it could be a URL).
Variables with a known value (`ARG URL=https://…`) are expanded first.

Differences from hadolint 2.15.1 (which flags them): git sources, since
`COPY` cannot fetch them; sources starting with a variable that is a URL or
might be one; zstd archives (`.zst`, `.tzst`), which BuildKit unpacks; and
archive extensions written in upper case (`.TAR.GZ`), since BuildKit
detects archives by their content.

## Example
```dockerfile
FROM python:3.12-slim
ADD requirements.txt /app/
```

## Use instead
```dockerfile
FROM python:3.12-slim
COPY requirements.txt /app/
```

## Fix
Replaces the keyword `ADD` with `COPY` (safe), when every source is a local
non-archive path and the `ADD` has no `ADD`-only flags (`--checksum`,
`--keep-git-dir`, `--unpack`); only `--chown`, `--chmod`, `--link` and
`--exclude` are carried over.

## References
- hadolint: DL3020
"""
from __future__ import annotations


from dockwise import lazyre
from dockwise.syntax.expand import ExpandError, expand_detailed
from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Edit, Finding, Fix, Severity, rule

ARCHIVE_EXTENSIONS = (
    ".tar", ".z", ".bz2", ".gz", ".lz", ".lzma", ".tz", ".tb2", ".tbz", ".tbz2", ".tgz",
    ".tlz", ".tpz", ".txz", ".xz", ".zst", ".tzst",
)
_REMOTE = lazyre.compile(r"(?i)^(https?://|git@[^:/]+:|git://|ssh://)")
_COPY_FLAGS = frozenset({"chown", "chmod", "link", "exclude"})
_UNKNOWN = "\x00"


def _strip_quotes(s: str) -> str:
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'":
        return s[1:-1]
    return s


def _resolve(df: Dockerfile, ins: Instruction, src: str) -> str:
    """The source with variables of known value expanded; unknown variables
    become ``_UNKNOWN``."""
    if "$" not in src:
        return src
    stage = df.stage_of(ins)

    def env(name: str) -> str:
        v = df.lookup_var(stage, name, ins.index)
        return _UNKNOWN if v is None or v.value is None else v.value

    try:
        value, _, _ = expand_detailed(src, env, df.escape)
    except ExpandError:
        return _UNKNOWN
    return value


def _kind(df: Dockerfile, ins: Instruction, raw: str) -> str:
    """"remote", "archive", "unknown" or "local"."""
    src = _resolve(df, ins, _strip_quotes(raw) if not ins.json else raw)
    if src.startswith(_UNKNOWN):
        return "unknown"
    if _REMOTE.match(src):
        return "remote"
    if src.lower().endswith(ARCHIVE_EXTENSIONS):
        return "archive"
    return "local"


@rule(
    code="DL3020",
    name="add-instead-of-copy",
    summary="Use COPY instead of ADD for files and folders",
    severity=Severity.ERROR,
    tags=("add", "copy"),
    fixable=True,
)
def add_instead_of_copy(df: Dockerfile, ctx) -> list[Finding]:
    out = []
    for ins in df.instructions:
        if ins.keyword != "ADD" or len(ins.args) < 2:
            continue
        kinds = [_kind(df, ins, a.value) for a in ins.args[:-1]]
        if "local" not in kinds:
            continue
        fix = None
        if all(k == "local" for k in kinds) and all(f.name.lower() in _COPY_FLAGS for f in ins.flags):
            kw = "copy" if ins.raw_keyword.islower() else "COPY"
            fix = Fix.safe("Replace ADD with COPY", Edit(ins.keyword_span, kw))
        out.append(Finding(ins.keyword_span, "Use COPY instead of ADD for files and folders", fix))
    return out

r"""## What it does
Flags `ADD` of an `http://` or `https://` URL without `--checksum`
(`ONBUILD ADD` too; URLs built from ARG/ENV defaults are resolved). Git
repositories (`*.git`, `git@…`) are not flagged.

## Why it matters
`ADD <url>` downloads the file into a layer of its own. Whatever you do with
it afterwards (unpack, install, delete), those bytes stay in the image,
because a later `RUN rm` cannot shrink an earlier layer. Without a checksum
the download is also not verified, and the build cache cannot tell when the
remote file changed.

Fetch, unpack and delete in one `RUN` (`curl -fsSL … | tar -xz`, or
`curl -o x.tgz … && tar … && rm x.tgz`), ideally in a builder stage; or, when
the file itself belongs in the image, pin it with `ADD --checksum=sha256:…`.

## Example
```dockerfile
FROM debian:12
ADD https://example.com/tool-1.2.tar.gz /tmp/
RUN tar -xzf /tmp/tool-1.2.tar.gz -C /opt && rm /tmp/tool-1.2.tar.gz
```

## Use instead
```dockerfile
FROM debian:12
RUN curl -fsSL https://example.com/tool-1.2.tar.gz | tar -xz -C /opt
```

or, when the file itself belongs in the image (Dockerfile 1.6+):

```dockerfile
# syntax=docker/dockerfile:1.6
FROM debian:12
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool-1.2.tar.gz /opt/
```

## References
- DockerCon talk "Creating effective images": don't ADD remote files, fetch and clean up in one RUN
- https://docs.docker.com/build/building/best-practices/#add-or-copy
- hadolint: DL3020 (related: use COPY instead of ADD for local files)
"""
from __future__ import annotations

import re

from dockwise import lazyre
from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._helpers import copy_sources, expand_simple

_URL = lazyre.compile(r"^https?://", re.I)
_GIT = lazyre.compile(r"(\.git(#.*)?$)|(^git@)|(^git://)", re.I)


@rule(
    code="DW003",
    name="add-remote-url",
    summary="ADD of a remote URL without --checksum",
    severity=Severity.WARNING,
    tags=("size", "layers", "reproducibility", "talk"),
    each="instruction",
    keywords=("ADD",),
)
def add_remote_url(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    out: list[Finding] = []
    eff = ins.effective
    if eff.keyword == "ADD" and eff.flag("checksum") is None:
        for a in copy_sources(ins):
            val = a.value
            if "$" in val:
                val = expand_simple(df, ins, val) or val
            if not _URL.match(val) or _GIT.search(val):
                continue
            out.append(
                Finding(
                    a.span,
                    "ADD of a remote URL without a checksum: add --checksum=sha256:<digest> (Dockerfile 1.6+) so "
                    "the build verifies what it downloads; if the file is only unpacked or installed, fetch, use "
                    "and delete it in one RUN instead (no later RUN can shrink this layer)",
                )
            )
    return out

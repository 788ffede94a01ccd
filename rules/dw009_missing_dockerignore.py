r"""## What it does
Flags the first `COPY .` / `ADD .` (or `COPY *`) of the whole build context
when the build context has no `.dockerignore` and the Dockerfile has no
`<Dockerfile name>.dockerignore` next to it (BuildKit's per-Dockerfile
ignore file, e.g. `app.Dockerfile.dockerignore`).

The build context is the folder given by the `context` option (the CLI's
`--context`, or a setting) or else the Dockerfile's folder. Only those two
files are looked up, in those folders; nothing else on disk is read. A
Dockerfile without a path (an unsaved buffer, standard input) is not
checked. `ONBUILD COPY .` is not considered (it copies another build's
context).

## Why it matters
Without an ignore file `COPY .` sends and copies everything: `.git`,
`node_modules`, virtualenvs, build output, local secrets (`.env`, keys).
The image grows, secrets leak into a layer, and since any changed file
invalidates the `COPY` layer the cache is busted by edits that have nothing
to do with the image.

## Example
```dockerfile
FROM node:22-slim
WORKDIR /app
COPY . .
CMD ["node", "server.js"]
```

## Use instead
```dockerfile
FROM node:22-slim
WORKDIR /app
COPY package.json server.js ./
CMD ["node", "server.js"]
```

## Options
- `context` (path): the build context folder, when it is not the Dockerfile's folder
  (`[options.DW009] context = "."` in dockwise.toml, or `dockwise lint --context DIR`). A
  relative path in a configuration file is taken from that file's folder, and a file found in
  the workspace may not point outside it (reported, ignored); `--context` is taken from the
  current directory.

## References
- DockerCon talk "Creating effective images": keep the build context small with .dockerignore
- https://docs.docker.com/build/concepts/context/#dockerignore-files
"""
from __future__ import annotations

import os

from dockwise.syntax.model import Dockerfile

from ._api import Finding, Severity, rule
from ._helpers import whole_context_arg


@rule(
    code="DW009",
    name="missing-dockerignore",
    summary="COPY of the whole build context without a .dockerignore",
    severity=Severity.INFO,
    tags=("size", "cache", "security", "talk", "filesystem"),
)
def missing_dockerignore(df: Dockerfile, ctx) -> list[Finding]:
    first = None
    for ins in df.instructions:
        if ins.trigger is None:
            arg = whole_context_arg(ins)
            if arg is not None:
                first = (ins, arg)
                break
    if first is None:
        return []
    opts = ctx.options or {}
    context = opts.get("context")
    here = None
    if df.path:
        here = os.path.dirname(df.path) or "."
    if not isinstance(context, str) or not context:
        context = here
    elif not os.path.isabs(context):
        if here is None:
            return []
        context = os.path.normpath(os.path.join(here, context))
    if not context or not os.path.isdir(context):
        return []
    candidates = [os.path.join(context, ".dockerignore")]
    if df.path and here and os.path.isdir(here):
        candidates.append(os.path.join(here, os.path.basename(df.path) + ".dockerignore"))
    if any(os.path.isfile(c) for c in candidates):
        return []
    ins, arg = first
    return [
        Finding(
            arg.span,
            f"`{ins.effective.keyword} {arg.value}` copies the whole build context and there is no .dockerignore "
            f"in {context}: .git, dependencies, build output and secrets end up in the image",
        )
    ]

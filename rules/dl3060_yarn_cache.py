r"""## What it does
Flags a `RUN` that runs `yarn install` (or a bare `yarn`, whose default
command is install) without `yarn cache clean` later in the same `RUN`, in a
stage that ends up in an image: the last stage, or a stage another stage is
built `FROM`. An `ONBUILD RUN` trigger is checked wherever it is, since it
runs in the image built from this one.

## Why it matters
yarn 1 copies every package it installs into its global cache
(`/usr/local/share/.cache/yarn` for root), so the layer carries the
dependencies twice. Cleaning the cache in a later `RUN` does not shrink the
image.

Accepted instead of `yarn cache clean`: a cache or tmpfs mount whose target
contains `.cache/yarn` or `/.yarn/`, and `rm -r` of a path containing
`.cache/yarn`. `sudo yarn …`, `env … yarn …` and `sh -c "yarn …"` count as `yarn …`.

Differences from hadolint 2.15.1: a bare `yarn` (or `yarn
--frozen-lockfile`) is an install and is checked; `rm -rf` of the yarn cache
directory is accepted as a cleanup.

## Example
```dockerfile
FROM node:22
WORKDIR /app
COPY package.json yarn.lock ./
RUN yarn install --frozen-lockfile
```

## Use instead
```dockerfile
FROM node:22
WORKDIR /app
COPY package.json yarn.lock ./
RUN yarn install --frozen-lockfile \
    && yarn cache clean
```

## Fix
Appends ` \` + newline + `    && yarn cache clean` at the end of the
`RUN` (safe); in a `RUN` that spans several lines the new line is indented
like the last one. Not offered for exec-form or heredoc `RUN`s, or when the
appended command would not end up as a plain top-level command.

## References
- hadolint: DL3060
"""
from __future__ import annotations

from dockwise.syntax.commands import run_view
from dockwise.syntax.model import Dockerfile, Stage

from ._api import Finding, Severity, rule
from ._helpers import group_instructions, relevant_stages
from ._pm import cache_mounted, rm_removes, uncleaned, yarn_cache_cleans, yarn_dir, yarn_installs
from ._runfix import append_commands_fix


def _clean(c) -> bool:
    return yarn_cache_cleans(c) or rm_removes(c, yarn_dir)


@rule(
    code="DL3060",
    name="yarn-cache-not-cleaned",
    summary="`yarn cache clean` missing after `yarn install`",
    severity=Severity.INFO,
    tags=("yarn", "node", "size", "layers"),
    fixable=True,
    each="group",
)
def yarn_cache(df: Dockerfile, st: Stage | None, ctx) -> list[Finding]:
    # hadolint's "stage matters": the last stage or one a later FROM builds on
    # (what a per-stage rule may know), every ONBUILD trigger
    stages = relevant_stages(df)
    out = []
    for ins in group_instructions(df, st):
        if ins.effective.keyword != "RUN":
            continue
        if ins.trigger is None and ins.stage not in stages:
            continue
        v = run_view(ins)
        bad = uncleaned(v, yarn_installs, _clean)
        if bad is None or cache_mounted(v, yarn_dir):
            continue
        fix = append_commands_fix(df, ins, ["yarn cache clean"], "Append `yarn cache clean` to the RUN")
        out.append(Finding(bad.span, "`yarn cache clean` missing after `yarn install` was run.", fix))
    return out

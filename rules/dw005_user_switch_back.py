r"""## What it does
Flags a `USER` that switches back within a stage: to root after a non-root
`USER`, or to a user that was already set earlier in the stage with another
`USER` in between (`USER app` … `USER root` … `USER app`). The first `USER`
of a stage and repeated identical `USER`s are not flagged, nor is the common
`USER root` … `USER app` of a stage built on a non-root image. `ONBUILD USER`
is not considered. On Windows, `ContainerAdministrator` counts as root.

## Why it matters
Each `USER` is an instruction of its own and the switches make it hard to
tell which command runs with which rights; switching back to root for a
late install usually means the install belonged earlier. Do the root work
first, create the user, and switch once, near the end ("Creating effective
images": don't switch USER back and forth).

## Example
```dockerfile
FROM debian:12
RUN useradd --create-home app
USER app
RUN echo "as app"
USER root
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
USER app
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home app
USER app
RUN echo "as app"
```

## References
- DockerCon talk "Creating effective images": avoid switching USER back and forth
- https://docs.docker.com/build/building/best-practices/#user
- hadolint: DL3002 (related: the last USER should not be root)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction, Stage

from ._api import Finding, Severity, rule
from ._helpers import expand_simple, is_root_user, user_of


@rule(
    code="DW005",
    name="user-switch-back",
    summary="USER switched back and forth within a stage",
    severity=Severity.INFO,
    tags=("security", "layers", "talk"),
    each="group",  # the USERs per stage, their variables
)
def user_switch_back(df: Dockerfile, stage: Stage | None, ctx) -> list[Finding]:
    out: list[Finding] = []
    for st in () if stage is None else (stage,):
        seen: list[tuple[str, Instruction]] = []  # (user key, instruction)
        for ins in df.stage_instructions(st):
            if ins.keyword != "USER" or ins.trigger is not None:
                continue
            raw = user_of(ins)
            if not raw:
                continue
            user = expand_simple(df, ins, raw) or raw
            key = "root" if is_root_user(user) else (user.lower() if st.windows else user)
            if not seen:
                seen.append((key, ins))
                continue
            cur, prev = seen[-1]
            if key == cur:
                continue
            earlier = {k for k, _ in seen}
            back_to_root = key == "root" and any(k != "root" for k in earlier)
            # USER app after a flagged USER root is the end of that detour, not a new one
            back_to_other = key != "root" and key in earlier and cur != "root"
            if back_to_root or back_to_other:
                if key == "root":
                    msg = (f"USER {raw} switches back to root after USER {user_of(prev)}: do the root work first "
                           "and switch to the user once, at the end")
                else:
                    msg = f"USER {raw} again after USER {user_of(prev)}: switch user once, at the end"
                out.append(
                    Finding(
                        ins.span,
                        msg,
                        related=((prev.span, "previous USER"),),
                    )
                )
            seen.append((key, ins))
    return out

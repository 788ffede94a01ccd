r"""## What it does
Flags the final stage when neither it nor the stages it is built `FROM` set
a `USER`, and its base image is not known to run as a non-root user. Known
non-root bases include distroless `:nonroot` tags, Chainguard images
(`cgr.dev/chainguard/*`, except wolfi-base and busybox), Bitnami images,
`nginxinc/nginx-unprivileged`, chiseled .NET images, Windows Nano Server
(`ContainerUser`), Red Hat s2i language images, images such as
jenkins/jenkins, grafana, prom/*, elasticsearch, and the official database
images whose entrypoint drops to a service user (postgres, mysql, mariadb,
redis, mongo, rabbitmq, …). The list, with the reason for each entry, is in
`dockwise/images.py` (`NONROOT_IMAGES`). A base named only by an unresolvable
variable is not flagged.

Off by default: most Dockerfiles never set `USER` (more than 80 % of a corpus
of 3,288 real files), so it would mark nearly every file. Turn it on with
`select`/`extend-select` (`DW006` or `implicit-root`) once you are ready to
act on it; hadolint's DL3002 (an explicit `USER root` last) is on by default.

## Why it matters
Without `USER` the container's main process runs as root (uid 0). A bug in
the application then has root rights inside the container, and with a
writable host mount or a container escape, on the host. Create an
unprivileged user and switch to it at the end of the final stage.

## Example
```dockerfile
FROM python:3.12-slim
COPY app.py /app/
CMD ["python", "/app/app.py"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
RUN useradd --system --uid 10001 app
COPY app.py /app/
USER app
CMD ["python", "/app/app.py"]
```

## References
- DockerCon talk "Creating effective images": run as a non-root user
- https://docs.docker.com/build/building/best-practices/#user
- hadolint: DL3002 (related: the last USER should not be root)
"""
from __future__ import annotations

from dockwise.images import catalog as images
from dockwise.syntax.model import Dockerfile

from ._api import Finding, Severity, rule
from ._helpers import is_scratch


@rule(
    code="DW006",
    name="implicit-root",
    summary="The final image runs as root because no USER is set",
    severity=Severity.INFO,
    tags=("security", "talk"),
    default_enabled=False,
)
def implicit_root(df: Dockerfile, ctx) -> list[Finding]:
    final = df.final_stage()
    if final is None or final.base is None:
        return []
    chain = df.stage_chain(final)
    for st in chain:
        for ins in df.stage_instructions(st):
            if ins.keyword == "USER" and ins.trigger is None:
                return []
    root = chain[-1].base
    if root is None or root.unresolved and root.raw.lstrip().startswith("$"):
        return []
    if images.nonroot_reason(root):
        return []
    what = "scratch" if is_scratch(root) else root.resolved
    return [
        Finding(
            final.base.span,
            f"The final image never sets USER, so it runs as root (its base {what} does not switch to a "
            "non-root user): create a user and add USER at the end",
        )
    ]

r"""## What it does
Flags a `RUN` that runs a script straight from the network:

- `curl … | sh`, `wget -qO- … | bash`, `curl … | sudo bash -s -- --flag`,
  `curl … | python3` — a download to standard output piped into a shell or an
  interpreter (`sh`, `bash`, `dash`, `ash`, `zsh`, `ksh`, `python`, `perl`,
  `ruby`, `node`, `php`) that reads its program from standard input;
- `sh -c "$(curl -fsSL …)"` and `bash <(curl …)` — the same through a command
  or process substitution.

Shell-form `RUN`s, heredoc scripts, `sh -c` strings and `ONBUILD RUN` are all
read through dockwise's command view (wrappers such as `sudo` seen through).
A download to a file that is checked and then run is not flagged.

## Why it matters
The script is **unpinned**: the build runs whatever the URL serves on the day,
which can change without the Dockerfile changing. It is **unverified**: nothing
checks that the bytes are the ones you reviewed — a compromised or hijacked
server runs its code as root in your image. And it is **not cached
meaningfully**: the layer cache keys on the `RUN` text, not on the script, so a
changed script is silently ignored until something above invalidates the cache,
and then it changes under you. Download a pinned version, verify its checksum,
then run it — or let BuildKit verify it with `ADD --checksum=sha256:…`.

## Example
```dockerfile
FROM debian:12
RUN curl -fsSL https://get.example.com/install.sh | sh
```

## Use instead
```dockerfile
FROM debian:12
RUN curl -fsSLo /tmp/install.sh https://get.example.com/v1.4.2/install.sh \
    && echo "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  /tmp/install.sh" | sha256sum -c - \
    && sh /tmp/install.sh && rm /tmp/install.sh
```

## References
- DockerCon talk "Creating effective images": pin and verify what you download
- https://docs.docker.com/reference/dockerfile/#verifying-a-remote-file-checksum-add---checksumchecksum-http-src-dest
"""
from __future__ import annotations

import re

from dockwise import lazyre
from dockwise.syntax.commands import Command, run_view
from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule

_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"})
_INTERPRETERS = frozenset({"python", "python2", "python3", "perl", "ruby", "node", "php"})
_FETCH_SUB = lazyre.compile(r"(\$\(|`|<\()\s*(sudo\s+)?(curl|wget)\b")
_PY = lazyre.compile(r"python[0-9.]*")


def _interpreter(c: Command) -> bool:
    return c.name in _SHELLS or c.name in _INTERPRETERS or bool(_PY.fullmatch(c.name))


def _fetches_to_stdout(c: Command) -> bool:
    """``curl URL`` without ``-o``/``-O``; ``wget -O- URL`` / ``wget -qO - URL``."""
    if c.name == "curl":
        vals = c.values
        if any(v in ("-o", "-O", "--output", "--remote-name", "--remote-name-all") or v.startswith("--output=")
               for v in vals):
            return False
        if any(re.fullmatch(r"-[A-Za-z]*[oO][A-Za-z]*", v) for v in vals):
            return False
        return any("://" in v for v in vals)
    if c.name == "wget":
        vals = c.values
        for i, v in enumerate(vals):
            if v in ("-O-", "--output-document=-") or re.fullmatch(r"-[A-Za-z]*O-", v):
                return True
            if (v == "--output-document" or re.fullmatch(r"-[A-Za-z]*O", v)) and i + 1 < len(vals) \
                    and vals[i + 1] == "-":
                return True
        return False
    return False


def _reads_stdin(c: Command) -> bool:
    """The interpreter takes its program from standard input: no script operand,
    or ``-s``/``-`` (``bash -s -- --flag``), and no ``-c`` program."""
    vals = c.values
    if "-c" in vals:
        return False
    if "-s" in vals or "-" in vals:
        return True
    operands = [v for v in vals if not v.startswith("-")]
    if operands and operands[0] in ("/dev/stdin", "/proc/self/fd/0"):
        return True
    if c.name == "busybox":
        return bool(vals) and vals[0] in ("sh", "ash") and len([v for v in vals[1:] if not v.startswith("-")]) == 0
    return not operands


def findings_for(ins: Instruction) -> list[Finding]:
    v = run_view(ins)
    out: list[Finding] = []
    cmds = v.commands
    for i, c in enumerate(cmds):
        if not c.in_pipe or not _interpreter(c) or not _reads_stdin(c):
            continue
        # an earlier command of the same pipeline fetches a URL to stdout
        src = None
        for d in cmds[:i]:
            if d.in_pipe and d.pipeline == c.pipeline and d.shell is c.shell and d.span.start < c.span.start \
                    and _fetches_to_stdout(d):
                src = d
        if src is None:
            continue
        out.append(Finding(src.span.union(c.span),
                           f"{src.name} piped into {c.name}: the script is unpinned (whatever the URL serves "
                           "today), unverified (no checksum) and not meaningfully cached; download a pinned "
                           "version, check its sha256, then run it"))
    for c in cmds:
        if c.name not in _SHELLS and not (c.name in _INTERPRETERS or _PY.fullmatch(c.name)):
            continue
        raw = " ".join(w.raw for w in c.args)
        if _FETCH_SUB.search(raw):
            out.append(Finding(c.span, f"{c.name} runs a script fetched by a command substitution: unpinned, "
                                       "unverified (no checksum) and not meaningfully cached; download a pinned "
                                       "version, check its sha256, then run it"))
    return out


@rule(
    code="DW132",
    name="remote-script-to-shell",
    summary="A script from the network piped into a shell (curl | sh)",
    severity=Severity.WARNING,
    tags=("security", "reproducibility", "talk"),
    each="instruction",
    keywords=("RUN",),
)
def remote_script_to_shell(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    return findings_for(ins)

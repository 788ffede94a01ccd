r"""## What it does
Flags a `RUN` that refreshes the package index (`apt-get update`,
`apt update`, `apk update`, `yum makecache`, `dnf makecache`,
`zypper refresh`) but installs or upgrades nothing in the same `RUN`.

Commands are found wherever they are: after `&&`, in heredoc scripts, behind
`sudo`/`env`, inside `sh -c "…"`, and in `ONBUILD RUN`. A `RUN` that also
runs a script we cannot see into (`./install.sh`, `curl … | bash`, `make`, a
command named by a variable) is not flagged: the script may install.

## Why it matters
The build cache keys a `RUN` on its text. A lone `RUN apt-get update` is
cached once and reused for months, so a later `RUN apt-get install` installs
from a stale index: old versions, or "404 Not Found" when the mirror has
moved on. It also ships tens of megabytes of index files in a layer of its
own. Update and install in the same `RUN` (and delete the lists there).

## Example
```dockerfile
FROM debian:12
RUN apt-get update
RUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
```

## Fix
Moves the update into the `RUN` that installs: the next `RUN` of the stage
that installs or upgrades with the same package manager gets the update
command, as written, in front (`apt-get update && apt-get install …`), and
the update leaves its own `RUN`: the whole `RUN` is deleted when the update
is all it runs; when the update ends a `&&` chain only ` && apt-get update`
is removed (unless a command before it changes the shell's state: `cd`,
`export`, …). Safe: the index is refreshed right before the install, as
before, and nothing that ran before the update moves.

Not offered when the installing `RUN` is not found before another `FROM`,
or when something between the two could depend on the index or change what
the update sees: a `RUN` that runs any package manager command or a script
dockwise cannot see into, a `USER`, `SHELL` or `ONBUILD`, a `COPY`/`ADD`
into `/etc`, or an `ENV`/`ARG` that sets a proxy. Also not offered for exec-form, heredoc or `ONBUILD` `RUN`s, an
update inside `sh -c "…"`, a script with a shell comment, `RUN`s with
different flags, an installing `RUN` using `||`, or an update that is not
the last command of the script, joined by `&&`.

## References
- DockerCon talk "Creating effective images": chain update and install, clean up in the same layer
- https://docs.docker.com/build/building/best-practices/#apt-get
- hadolint: DL3009 (related: delete the apt lists), DL3059 (related: consecutive RUNs)
"""
from __future__ import annotations


from dockwise import lazyre
from dockwise.syntax.commands import Command, run_view
from dockwise.syntax.model import Dockerfile, Instruction, Span

from ._api import Edit, Finding, Fix, Severity, rule
from ._pm import APK, APT, INSTALL_HELPERS, RPM, ZYPPER, family, runs_unknown_script, updates_index, uses_index
from ._runfix import STATEFUL, argvs, delete_instruction, flags_key, logical_commands, plain_run

# package tools besides the managers themselves that read or change their state
_PACKAGE_TOOLS = APT | APK | RPM | ZYPPER | INSTALL_HELPERS | {
    "apt-cache", "apt-key", "apt-mark", "add-apt-repository", "apt-add-repository", "dpkg", "rpm",
    "yum-config-manager", "dnf-config-manager",
}


def _target(df: Dockerfile, ins: Instruction, fam: str) -> Instruction | None:
    """The next RUN of the stage that installs with family ``fam``; None when
    something in between makes moving the update unprovable."""
    st = df.stage_of(ins)
    if st is None:
        return None
    for i in st.instructions:
        if i <= ins.index:
            continue
        other = df.instructions[i]
        if other.trigger is not None or other.keyword in ("USER", "SHELL", "ONBUILD", "FROM"):
            return None
        if other.keyword in ("ENV", "ARG") and any("proxy" in kv.key.lower() for kv in other.pairs):
            return None  # the update would now go through another proxy
        if other.keyword in ("COPY", "ADD"):
            dest = other.args[-1].value if other.args else ""
            if dest.startswith("/etc") or "$" in dest:
                return None
            continue
        if other.keyword != "RUN":
            continue
        cs = run_view(other).commands
        if any(uses_index(c) and family(c) == fam for c in cs):
            return other
        if any(c.name in _PACKAGE_TOOLS or runs_unknown_script(c) for c in cs):
            return None
    return None


# the end of the fix's title: the line of the RUN it merges into (same stage: it moves with it)
_LINE = lazyre.compile(r"\(line (\d+)\)$")


def _fix(df: Dockerfile, ins: Instruction, upd: Command) -> Fix | None:
    fam = family(upd)
    if fam is None or not plain_run(ins) or upd.in_string:
        return None
    cmds = run_view(ins).simple
    text = ins.text.rstrip()
    if len(cmds) == 1 and cmds[0] is upd:
        update_text = text
        remove = delete_instruction(df, ins)
    else:
        # the update ends the script after `&&`: what runs before it stays as it is
        ok, lcmds = logical_commands(text)
        if not ok or len(lcmds) != len(cmds) or cmds[-1] is not upd:
            return None
        last, prev = lcmds[-1], lcmds[-2]
        if last.subshell or last.in_pipe or last.background or last.negated or text[last.span.end.col :].strip():
            return None
        if text[prev.span.end.col : last.span.start.col].strip() != "&&":
            return None
        if any(c.simple.name in STATEFUL or not c.simple.name for c in lcmds[:-1]):
            return None  # `export http_proxy=… && apt-get update`: the update needs what ran before
        cut = prev.span.end.col
        update_text = text[last.span.start.col :]
        start, end = ins.text_map.end_pos(cut), ins.text_map.end_pos(len(text))
        if any(df.lines[i].lstrip().startswith("#") for i in range(start.line + 1, end.line + 1)):
            return None
        remove = Edit(Span(start, end), "")
    target = _target(df, ins, fam)
    if remove is None or target is None or not plain_run(target) or flags_key(target) != flags_key(ins):
        return None
    if "||" in target.text:
        return None
    tcs = run_view(target).commands
    first_use = next(i for i, c in enumerate(tcs) if uses_index(c) and family(c) == fam)
    title = f"Move `{update_text}` into the RUN that installs (line {target.start_line + 1})"
    if any(updates_index(c) and family(c) == fam for c in tcs[:first_use]):
        return Fix.safe(title, remove)  # the installing RUN updates already
    new_text = f"{update_text} && {target.text}"
    ok, new_cmds = logical_commands(new_text)
    if not ok or argvs(new_cmds) != argvs([upd]) + argvs(run_view(target).simple):
        return None
    first = new_cmds[0]
    if first.subshell or first.in_pipe or first.background or first.negated:
        return None
    at = target.text_map.pos(0)
    return Fix.safe(title, remove, Edit(Span(at, at), f"{update_text} && "))


@rule(
    code="DW002",
    name="apt-update-alone",
    summary="Package index updated in a RUN that installs nothing",
    severity=Severity.WARNING,
    tags=("cache", "apt", "layers", "talk"),
    fixable=True,
    each="stage",
    keywords=("RUN",),
    retitle=lambda text, d: _LINE.sub(lambda m: f"(line {int(m.group(1)) + d})", text),
)
def apt_update_alone(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    cs = run_view(ins).commands
    ups = [c for c in cs if updates_index(c)]
    if not ups or any(uses_index(c) or runs_unknown_script(c) for c in cs):
        return []
    c = ups[0]
    return [Finding(c.span, f"`{c.name} {c.sub}` without an install in the same RUN: the cached index goes stale "
                    "for later installs; update and install in one RUN", _fix(df, ins, c))]

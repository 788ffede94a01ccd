"""Shell completion scripts for ``dockwise completion bash|zsh|fish``.

Generated from the argument parser itself, so every command, flag and the
values of flags with a fixed set of choices (``--format``,
``--failure-threshold``, …) complete, and adding a flag needs no change here.
Flags that take a file or folder complete file names. A command line without a
command completes like ``dockwise lint`` (hadolint's command line).
"""
from __future__ import annotations

import argparse
import re
import shlex

_FILE_METAVARS = {"FILE", "PATH", "DIR", "NAME"}


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, tuple[argparse.ArgumentParser, str]]:
    out: dict[str, tuple[argparse.ArgumentParser, str]] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                out[name] = (sub, helps.get(name, ""))
    return out


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if a.option_strings and a.help != argparse.SUPPRESS]


def _takes_value(a: argparse.Action) -> bool:
    return a.nargs != 0


def _choices(a: argparse.Action) -> list[str] | None:
    if a.choices:
        return [str(c) for c in a.choices]
    t = a.type
    if t is not None and getattr(t, "__name__", "") == "_format_name":
        from dockwise.lint.report import FORMATS

        return list(FORMATS)
    if t is not None and getattr(t, "__name__", "") == "_threshold":
        from dockwise.lint.config import THRESHOLDS

        return list(THRESHOLDS)
    return None


def _is_path(a: argparse.Action) -> bool:
    return str(a.metavar or "").upper() in _FILE_METAVARS


def _bash(parser: argparse.ArgumentParser) -> str:
    subs = _subparsers(parser)
    top_opts = [o for a in _options(parser) for o in a.option_strings]
    lines = [
        "# bash completion for dockwise (dockwise completion bash)",
        "_dockwise() {",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="" cmd="" i',
        '    [ "$COMP_CWORD" -gt 0 ] && prev="${COMP_WORDS[COMP_CWORD-1]}"',
        '    for ((i = 1; i < COMP_CWORD; i++)); do',
        '        case "${COMP_WORDS[i]}" in',
        f"            {'|'.join(subs)}) cmd=\"${{COMP_WORDS[i]}}\"; break ;;",
        "        esac",
        "    done",
        '    local lint_like="${cmd:-lint}"',
        '    case "$lint_like:$prev" in',
    ]
    for name, (sub, _) in subs.items():
        for a in _options(sub):
            if not _takes_value(a):
                continue
            pats = "|".join(f"{name}:{o}" for o in a.option_strings)
            ch = _choices(a)
            if ch:
                words = shlex.quote(" ".join(ch))
                lines.append(f'        {pats}) COMPREPLY=($(compgen -W {words} -- "$cur")); return ;;')
            elif _is_path(a):
                lines.append(f'        {pats}) COMPREPLY=($(compgen -f -- "$cur")); return ;;')
            else:
                lines.append(f"        {pats}) COMPREPLY=(); return ;;")
    lines += ["    esac", '    local opts=""', '    case "$lint_like" in']
    for name, (sub, _) in subs.items():
        opts = " ".join(o for a in _options(sub) for o in a.option_strings)
        lines.append(f"        {name}) opts={shlex.quote(opts)} ;;")
    lines += [
        "    esac",
        '    if [[ "$cur" == -* ]]; then',
        f'        [ -z "$cmd" ] && opts="$opts {" ".join(top_opts)}"',
        '        COMPREPLY=($(compgen -W "$opts" -- "$cur"))',
        "        return",
        "    fi",
        '    if [ -z "$cmd" ]; then',
        f'        COMPREPLY=($(compgen -W {shlex.quote(" ".join(subs))} -- "$cur") $(compgen -f -- "$cur"))',
        '    elif [ "$cmd" = completion ]; then',
        "        COMPREPLY=($(compgen -W 'bash zsh fish' -- \"$cur\"))",
        '    elif [ "$cmd" = rule ]; then',
        "        COMPREPLY=()",
        "    else",
        '        COMPREPLY=($(compgen -f -- "$cur"))',
        "    fi",
        "}",
        "complete -o filenames -o bashdefault -F _dockwise dockwise",
    ]
    return "\n".join(lines) + "\n"


def _zsh(parser: argparse.ArgumentParser) -> str:
    # zsh runs the bash function through its bashcompinit layer: one
    # implementation, the same answers in both shells.
    return (
        "#compdef dockwise\n"
        "# zsh completion for dockwise (dockwise completion zsh); uses zsh's bashcompinit\n"
        "autoload -U +X bashcompinit && bashcompinit\n"
        + _bash(parser)
    )


def _fish_escape(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish(parser: argparse.ArgumentParser) -> str:
    subs = _subparsers(parser)
    names = " ".join(subs)
    out = ["# fish completion for dockwise (dockwise completion fish)", "complete -c dockwise -f"]
    for name, (_, help_) in subs.items():
        out.append(f"complete -c dockwise -n 'not __fish_seen_subcommand_from {names}' -a {name} "
                   f"-d {_fish_escape(help_)}")
    for name, (sub, _) in subs.items():
        cond = f"__fish_seen_subcommand_from {name}"
        if name == "lint":  # a hadolint command line has no command
            cond = f"__fish_seen_subcommand_from lint; or not __fish_seen_subcommand_from {names}"
        for a in _options(sub):
            parts = [f"complete -c dockwise -n {_fish_escape(cond)}"]
            for o in a.option_strings:
                if o.startswith("--"):
                    parts.append(f"-l {o[2:]}")
                elif re.fullmatch(r"-\w", o):
                    parts.append(f"-s {o[1:]}")
            if _takes_value(a):
                ch = _choices(a)
                if ch:
                    parts.append(f"-x -a {_fish_escape(' '.join(ch))}")
                elif _is_path(a):
                    parts.append("-r -F")
                else:
                    parts.append("-x")
            if a.help:
                parts.append(f"-d {_fish_escape(a.help.split(';')[0][:80])}")
            out.append(" ".join(parts))
        if name in ("lint", "fix", "format", "parse"):
            out.append(f"complete -c dockwise -n {_fish_escape(cond)} -F")
    out.append("complete -c dockwise -n '__fish_seen_subcommand_from completion' -x -a 'bash zsh fish'")
    return "\n".join(out) + "\n"


def script(shell: str, parser: argparse.ArgumentParser) -> str:
    """The completion script for ``shell`` (bash, zsh or fish)."""
    if shell == "bash":
        return _bash(parser)
    if shell == "zsh":
        return _zsh(parser)
    if shell == "fish":
        return _fish(parser)
    raise ValueError(f"unknown shell {shell!r}")

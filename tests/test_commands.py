"""The one command view of a RUN (dockwise.syntax.commands)."""
from __future__ import annotations

import pytest

from dockwise.syntax.commands import Command, OptSpec, per_command, run_view, unwrap
from dockwise.syntax.model import Span
from dockwise.syntax.parser import parse


def view_of(src: str, k: int = 0):
    """The view of the k-th RUN (ONBUILD RUN included) of ``src``."""
    df = parse(src)
    runs = [i for i in df.instructions if i.effective.keyword == "RUN"]
    return df, run_view(runs[k])


def cmds(src: str, k: int = 0) -> list[Command]:
    return view_of(src, k)[1].commands


def text_at(df, span: Span) -> str:
    assert span.start.line == span.end.line
    return df.lines[span.start.line][span.start.col:span.end.col]


def summary(cs: list[Command]) -> list[tuple]:
    return [(c.name, c.values, c.wrappers) for c in cs]


# -- wrappers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "run,name,args,wrappers,assignments",
    [
        ("sudo apt-get install -y curl", "apt-get", ["install", "-y", "curl"], ("sudo",), ()),
        ("sudo -E -u root apt-get update", "apt-get", ["update"], ("sudo",), ()),
        ("sudo -- apt-get update", "apt-get", ["update"], ("sudo",), ()),
        ("env DEBIAN_FRONTEND=noninteractive apt-get install x", "apt-get", ["install", "x"], ("env",),
         ("DEBIAN_FRONTEND=noninteractive",)),
        ("env -i PATH=/bin -u X apt-get update", "apt-get", ["update"], ("env",), ("PATH=/bin",)),
        ("DEBIAN_FRONTEND=noninteractive apt-get install x", "apt-get", ["install", "x"], (),
         ("DEBIAN_FRONTEND=noninteractive",)),
        ("eatmydata apt-get install x", "apt-get", ["install", "x"], ("eatmydata",), ()),
        ("nice -n 10 make -j4", "make", ["-j4"], ("nice",), ()),
        ("timeout 600 apt-get update", "apt-get", ["update"], ("timeout",), ()),
        ("timeout -s KILL --kill-after=5 10s apt-get update", "apt-get", ["update"], ("timeout",), ()),
        ("time apt-get update", "apt-get", ["update"], ("time",), ()),
        ("gosu app /usr/bin/pip install x", "pip", ["install", "x"], ("gosu",), ()),
        ("python3 -m pip install x", "pip", ["install", "x"], ("python3",), ()),
        ("python3.12 -I -X dev -m pip install x", "pip", ["install", "x"], ("python3.12",), ()),
        ("python -mpip install x", "pip", ["install", "x"], ("python",), ()),
        ("sudo env A=1 nice eatmydata apt-get -y install x", "apt-get", ["-y", "install", "x"],
         ("sudo", "env", "nice", "eatmydata"), ("A=1",)),
        ("/usr/bin/sudo /usr/bin/apt-get update", "apt-get", ["update"], ("sudo",), ()),
        # not wrappers, or nothing wrapped
        ("sudo -v", "sudo", ["-v"], (), ()),
        ("command -v apt-get", "command", ["-v", "apt-get"], (), ()),
        ("python3 script.py -m pip install", "python3", ["script.py", "-m", "pip", "install"], (), ()),
        ("python3 -c 'import x' -m pip", "python3", ["-c", "import x", "-m", "pip"], (), ()),
        ("env", "env", [], (), ()),
    ],
)
def test_wrappers_are_seen_through(run, name, args, wrappers, assignments):
    (c,) = cmds("FROM a:1\nRUN " + run + "\n")
    assert (c.name, c.values, c.wrappers, c.assignments) == (name, args, wrappers, assignments)
    assert c.span.start.col == 4  # the command as written, wrappers included
    assert c.under("sudo") == ("sudo" in wrappers)


def test_xargs_in_a_pipe_and_the_program_word():
    df, v = view_of("FROM a:1\nRUN echo a b | xargs -r -n1 /usr/bin/apt-get install -y\n")
    echo, apt = v.commands
    assert (apt.name, apt.program, apt.wrappers, apt.op, apt.in_pipe) == (
        "apt-get", "/usr/bin/apt-get", ("xargs",), "|", True)
    assert text_at(df, apt.name_span) == "/usr/bin/apt-get"
    assert text_at(df, apt.span) == "xargs -r -n1 /usr/bin/apt-get install -y"
    assert apt.argv == ["/usr/bin/apt-get", "install", "-y"]


def test_unwrap_a_parsed_simple_command():
    (c,) = cmds("FROM a:1\nRUN sudo pip3 install x\n")
    again = unwrap(c.simple)
    assert (again.name, again.values, again.wrappers) == ("pip3", ["install", "x"], ("sudo",))


# -- joins ------------------------------------------------------------------------------


def test_operators_pipes_background_subshells_and_substitutions():
    cs = cmds("FROM a:1\nRUN a && b || c; d & e | f && (g; h) && echo $(i) && ! j\n")
    assert [(c.name, c.op) for c in cs] == [
        ("a", ""), ("b", "&&"), ("c", "||"), ("d", ";"), ("e", "&"), ("f", "|"), ("g", "&&"), ("h", ";"),
        ("echo", "&&"), ("i", ""), ("j", "&&"),
    ]
    by = {c.name: c for c in cs}
    assert by["d"].background and not by["e"].background
    assert by["e"].in_pipe and by["f"].in_pipe and by["e"].pipeline == by["f"].pipeline
    assert by["g"].subshell and not by["g"].substitution
    assert by["i"].subshell and by["i"].substitution
    assert by["j"].negated


def test_newlines_and_keywords_count_as_semicolons():
    cs = cmds("FROM a:1\nRUN <<EOF\nif a; then\n  b\nfi\nc\nEOF\n")
    assert [(c.name, c.op) for c in cs] == [("a", ""), ("b", ";"), ("c", ";")]


# -- sh -c strings --------------------------------------------------------------------------


def test_shell_string_commands_have_exact_spans():
    df, v = view_of("FROM a:1\nRUN sudo bash -ec 'apt-get update && apt-get install -y curl' && echo ok\n")
    assert summary(v.commands) == [
        ("bash", ["-ec", "apt-get update && apt-get install -y curl"], ("sudo",)),
        ("apt-get", ["update"], ()),
        ("apt-get", ["install", "-y", "curl"], ()),
        ("echo", ["ok"], ()),
    ]
    bash, update, install, echo = v.commands
    assert update.shell is bash and install.in_string and not echo.in_string
    assert update.under("sudo") and not echo.under("sudo")
    assert install.exact and install.op == "&&" and echo.op == "&&"
    assert text_at(df, install.span) == "apt-get install -y curl"
    assert install.sub_word is not None and text_at(df, install.sub_word.span) == "install"
    assert v.simple == [bash, echo]


def test_shell_string_over_continuation_lines_maps_each_line():
    src = 'FROM a:1\nRUN sh -c "apt-get update && \\\n    apt-get install -y curl"\n'
    df, v = view_of(src)
    sh, update, install = v.commands
    assert install.exact
    assert install.span == Span.of(2, 4, 2, 27)
    assert text_at(df, install.args[2].span) == "curl"


def test_shell_string_with_escapes_gets_the_string_span():
    df, v = view_of('FROM a:1\nRUN sh -c "echo \\"a\\" && apt-get install -y z"\n')
    sh, echo, install = v.commands
    assert (install.name, install.values, install.exact) == ("apt-get", ["install", "-y", "z"], False)
    assert install.span == sh.args[1].span == install.args[0].span


def test_nested_shell_strings_and_dynamic_scripts():
    cs = cmds("""FROM a:1\nRUN sh -c "bash -c 'apk add x'" && sh -c "$SCRIPT" && sh script.sh\n""")
    assert [(c.name, c.values[:2]) for c in cs] == [
        ("sh", ["-c", "bash -c 'apk add x'"]), ("bash", ["-c", "apk add x"]), ("apk", ["add", "x"]),
        ("sh", ["-c", '"$SCRIPT"']), ("sh", ["script.sh"]),  # non-static: raw kept
    ]
    assert cs[2].shell is cs[1] and cs[1].shell is cs[0]


def test_exec_form():
    df, v = view_of('FROM a:1\nRUN ["sudo", "apt-get", "install", "-y", "x"]\n')
    assert v.dialect == "exec"
    assert summary(v.commands) == [("apt-get", ["install", "-y", "x"], ("sudo",))]
    df, v = view_of('FROM a:1\nRUN ["/bin/sh", "-c", "apt-get update && apt-get install -y x"]\n')
    sh, update, install = v.commands
    assert install.exact and text_at(df, install.span) == "apt-get install -y x"


# -- heredocs, ONBUILD, other shells -------------------------------------------------------


def test_heredoc_scripts_run_by_the_shell():
    src = "FROM a:1\nRUN <<EOF\nset -e\nsudo apt-get install -y a\nEOF\n"
    df, v = view_of(src)
    assert v.dialect == "bash"
    assert summary(v.commands) == [("set", ["-e"], ()), ("apt-get", ["install", "-y", "a"], ("sudo",))]
    assert v.commands[1].span == Span.of(3, 0, 3, 25)
    cs = cmds("FROM a:1\nRUN bash <<EOF\napt-get install -y b\nEOF\n")
    assert [c.name for c in cs] == ["bash", "apt-get"]


def test_heredoc_fed_to_another_interpreter_is_not_shell():
    cs = cmds("FROM a:1\nRUN python3 <<EOF\nimport os\nos.system('apt-get install x')\nEOF\n")
    assert [c.name for c in cs] == ["python3"]
    df, v = view_of("FROM a:1\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n")
    assert (v.dialect, v.commands) == ("none", [])


def test_onbuild_run():
    df, v = view_of("FROM a:1\nONBUILD RUN sudo yum install -y x\n")
    (c,) = v.commands
    assert (c.name, c.wrappers, text_at(df, c.span)) == ("yum", ("sudo",), "sudo yum install -y x")


def test_windows_runs_get_the_crude_tokenizer():
    src = ('FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL ["powershell", "-Command"]\n'
           "RUN Invoke-WebRequest $url -OutFile x.msi; Start-Process msiexec.exe -Wait && cd C:\\x\n"
           'RUN ["cmd", "/S", "/C", "msiexec /i a.msi & echo hi"]\n')
    df, v = view_of(src)
    assert v.dialect == "windows"
    assert [(c.name, c.op) for c in v.commands] == [("invoke-webrequest", ""), ("start-process", ";"), ("cd", "&&")]
    assert text_at(df, v.commands[1].span) == "Start-Process msiexec.exe -Wait"
    assert not v.commands[0].args[0].static  # $url
    df, v = view_of(src, 1)
    assert [(c.name, c.values) for c in v.commands] == [
        ("cmd", ["/S", "/C", "msiexec /i a.msi & echo hi"]), ("msiexec", ["/i", "a.msi"]), ("echo", ["hi"])]
    assert text_at(df, v.commands[1].span) == "msiexec /i a.msi"


def test_a_windows_base_without_shell_is_cmd_and_a_linux_shell_is_bash():
    df, v = view_of("FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nRUN dir && echo x\n")
    assert v.dialect == "windows"
    df, v = view_of('FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nSHELL ["/bin/bash", "-c"]\nRUN a && b\n')
    assert v.dialect == "bash" and [c.name for c in v.commands] == ["a", "b"]


def test_other_instructions_have_empty_views_and_runs_before_from_are_read():
    df = parse("RUN a\nFROM a:1\nCMD b\n")
    # lines before the first FROM are linted as hadolint does (issue 13, section 2)
    assert [[c.name for c in run_view(i).commands] for i in df.instructions] == [["a"], [], []]


# -- arguments -------------------------------------------------------------------------------


def test_sub_command_skips_options_and_their_values():
    (c,) = cmds("FROM a:1\nRUN apt-get -o Dpkg::Options::=--force-confnew -qy --target-release=bookworm install x\n")
    assert c.sub == "install" and c.positional == ["install", "x"]
    assert c.has_flag("q") and c.has_flag("y") and not c.has_flag("yes")
    assert c.flag_values("o", "option") == ["Dpkg::Options::=--force-confnew"]
    assert c.flag_values("target-release") == ["bookworm"]
    (c,) = cmds("FROM a:1\nRUN apk --root /x add --virtual .deps -t other gcc\n")
    assert c.sub == "add" and c.flag_values("t", "virtual") == [".deps", "other"]
    assert [w.value for w in c.options().after_subcommand()] == ["gcc"]


def test_sub_command_skips_expansions_and_stops_at_double_dash():
    (c,) = cmds("FROM a:1\nRUN apt-get $OPTS install -- -weird\n")
    assert c.sub == "install" and c.positional == ["$OPTS", "install", "-weird"]


def test_options_with_an_explicit_spec():
    (c,) = cmds("FROM a:1\nRUN tool -Xv --level 3 run\n")
    assert c.sub == "--level" or c.sub == "3"  # without a spec, nothing takes a value
    p = c.options(OptSpec("X", frozenset({"level"})))
    assert [(o.name, o.value) for o in p.opts] == [("X", "v"), ("level", "3")]
    assert p.subcommand is not None and p.subcommand.value == "run"


def test_mounts():
    src = ("FROM a:1\nRUN --mount=type=cache,target=/root/.cache,id=pip,sharing=locked "
           "--mount=type=bind,source=req.txt,target=/r.txt --mount=type=secret,id=tok pip install x\n")
    df, v = view_of(src)
    cache, bind, secret = v.mounts
    assert (cache.type, cache.target, cache.get("id"), cache.get("sharing")) == ("cache", "/root/.cache", "pip", "locked")
    assert (bind.type, bind.source, bind.target) == ("bind", "req.txt", "/r.txt")
    assert secret.type == "secret" and secret.target is None
    assert v.cache_mounted("/root/.cache/pip") and v.cache_mounted("/root/.cache")
    assert not v.cache_mounted("/root") and not v.cache_mounted("/r.txt")
    assert v.cache_targets == ["/root/.cache"]


# -- built once, kept while the instruction is unchanged ------------------------------------------


def test_view_is_cached_and_survives_incremental_reparse():
    old = parse("FROM a:1\nRUN sudo apt-get update\nRUN echo hi\n")
    v1, v2 = run_view(old.instructions[1]), run_view(old.instructions[2])
    assert run_view(old.instructions[1]) is v1
    new = parse("FROM a:1\nRUN sudo apt-get update\nRUN echo bye\n", previous=old)
    assert run_view(new.instructions[1]) is v1  # unchanged instruction: same view
    assert run_view(new.instructions[2]) is not v2
    assert run_view(new.instructions[2]).commands[0].values == ["bye"]


def test_view_follows_a_shell_change():
    old = parse("FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN a && b\n")
    assert run_view(old.instructions[1]).dialect == "windows"
    new = parse('FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL ["bash", "-c"]\nRUN a && b\n',
                previous=old)
    assert run_view(new.instructions[2]).dialect == "bash"


def test_per_command_memo_is_kept_on_the_command():
    calls = []

    @per_command
    def fact(c):
        calls.append(c.name)
        return len(c.args)

    old = parse("FROM a:1\nRUN apt-get install x y\nRUN z\n")
    (c,) = run_view(old.instructions[1]).commands
    assert fact(c) == 3 and fact(c) == 3
    new = parse("FROM a:1\nRUN apt-get install x y\nRUN z2\n", previous=old)
    assert fact(run_view(new.instructions[1]).commands[0]) == 3
    assert calls == ["apt-get"]


def test_shell_in_effect():
    from dockwise.syntax.commands import shell_in_effect

    df = parse('FROM debian:12 AS a\nRUN x\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN y\n'
               "FROM a\nRUN z\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN w\n")
    got = [shell_in_effect(df, i) for i in df.instructions if i.keyword == "RUN"]
    assert got == [["/bin/sh", "-c"], ["/bin/bash", "-o", "pipefail", "-c"], ["/bin/bash", "-o", "pipefail", "-c"],
                   ["cmd", "/S", "/C"]]

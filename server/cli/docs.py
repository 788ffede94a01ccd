"""Generated documentation: the rules reference (docs/rules.md) and the README's
settings table. ``python -m dockwise.cli.docs --check`` fails when either drifted
(the test suite runs the check); ``--write`` regenerates them."""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START, END = "<!-- settings:start -->", "<!-- settings:end -->"
RSTART, REND = "<!-- rules:start -->", "<!-- rules:end -->"


def settings_table() -> str:
    from dockwise.editor.settings import SETTINGS_SCHEMA

    rows = ["| setting | default | meaning |", "|---|---|---|"]
    for s in SETTINGS_SCHEMA:
        default = "all default rules" if s.name == "select" else f"`{json.dumps(s.default)}`"
        desc = s.description.replace("|", "\\|")
        if s.enum:
            desc += " One of " + ", ".join(f"`{e}`" for e in s.enum) + "."
        rows.append(f"| `{s.name}` | {default} | {desc} |")
    return "\n".join(rows)


def rules_table() -> str:
    from dockwise import rules

    rows = ["| code | name | severity | default | fix | summary |", "|---|---|---|---|---|---|"]
    for r in rules.ALL_RULES:
        m = r.meta
        rows.append(
            f"| [{m.code}](docs/rules.md#{m.code.lower()}) | `{m.name}` | {m.severity.label} "
            f"| {'on' if m.default_enabled else 'off'} | {'yes' if m.fixable else ''} | {m.summary} |"
        )
    return "\n".join(rows)


def rules_reference() -> str:
    from dockwise import rules

    out = [
        "# dockwise rules",
        "",
        "Generated from the rule modules by `python -m dockwise.cli.docs --write`; do not edit.",
        "",
        "| code | name | severity | fix | aliases | summary |",
        "|---|---|---|---|---|---|",
    ]
    for r in rules.ALL_RULES:
        m = r.meta
        out.append(
            f"| [{m.code}](#{m.code.lower()}) | `{m.name}` | {m.severity.label} | {'yes' if m.fixable else ''} "
            f"| {', '.join(m.aliases)} | {m.summary} |"
        )
    for r in rules.ALL_RULES:
        m = r.meta
        docs = re.sub(r"^## ", "### ", m.docs, flags=re.M)
        out += [
            "",
            f"## {m.code}",
            "",
            f"`{m.name}` · {m.severity.label} · tags: {', '.join(sorted(m.tags)) or '-'}"
            + (f" · aliases: {', '.join(m.aliases)}" if m.aliases else "")
            + (" · on by default" if m.default_enabled else " · off by default"),
            "",
            f"Scope: {m.scope}.",
            "",
            docs,
        ]
    return "\n".join(out) + "\n"


def _replace(text: str, start: str, end: str, body: str) -> str:
    if start not in text or end not in text:
        raise SystemExit(f"README.md has no {start} … {end} markers")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{body}\n{end}{tail}"


def _readme_with_table(text: str) -> str:
    text = _replace(text, START, END, settings_table())
    return _replace(text, RSTART, REND, rules_table())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dockwise.cli.docs")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args(argv)
    targets = {
        ROOT / "docs" / "rules.md": lambda old: rules_reference(),
        ROOT / "README.md": _readme_with_table,
    }
    stale = []
    for path, make in targets.items():
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        new = make(old)
        if new != old:
            stale.append(path)
            if a.write:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(new, encoding="utf-8")
    if stale and not a.write:
        for p in stale:
            print(f"{p.relative_to(ROOT)} is out of date: run python -m dockwise.cli.docs --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

r"""## What it does
Flags a gem of `gem install` (`gem i`) without a version (`rails:7.1.3`),
in `RUN` and `ONBUILD RUN`. A `gem install` that gives `-v`/`--version` is
pinned as a whole. Options and their values (`--source URL`, `-i DIR`) are
skipped; words after `--` are arguments to the gem's build, not gems.

## Why it matters
Without a version, `gem install` takes the newest release on the day of the
build: a rebuild can pull a release with breaking changes or a different
dependency set.

## Example
```dockerfile
FROM ruby:3.3
RUN gem install bundler
```

## Use instead
```dockerfile
FROM ruby:3.3
RUN gem install bundler:2.5.6
```

## Differences from hadolint
hadolint takes the word after *every* option as that option's value, so
`gem install --no-document rails` hides `rails`; dockwise knows gem's
switches (`--no-document`, `-N`, `--force`, …) and takes the next word as a
value only after other options. `sudo gem install` counts.

## References
- hadolint: DL3028
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction, Word

from ._api import Finding, Severity, rule
from ._pm import literal
from ._helpers import shell_commands

MESSAGE = "Pin versions in gem install. Instead of `gem install <gem>` use `gem install <gem>:<version>`"


# gem install options that take no value (others, known or not, take the next word)
_SWITCHES = frozenset("""
-N --no-document --document --no-ri --no-rdoc --ri --rdoc -f --force --no-force --conservative --minimal-deps
--user-install --no-user-install --pre --prerelease --no-prerelease --clear-sources -E --env-shebang
--no-env-shebang --development --development-all --ignore-dependencies --explain --wrappers --no-wrappers --lock
--no-lock --suggestions --no-suggestions --default --post-install-message --no-post-install-message -q --quiet
-V --verbose --no-verbose --backtrace --debug --norc -l --local -r --remote -b --both -u --update-sources
--no-update-sources --vendor --format-executable --no-format-executable --no-http-proxy --only-install-dir
--silent --install-as-default --no-install-as-default
""".split())


def gems(words: list[Word]) -> list[Word]:
    """The gem names among the words after ``install``: up to ``--``, options
    and the values of options that take one left out."""
    out = []
    skip = False
    for w in words:
        v = w.value
        if skip:
            skip = False
        elif v == "--":
            break
        elif v.startswith("-") and v != "-":
            skip = "=" not in v and v not in _SWITCHES and not (v[1:2] != "-" and len(v) > 2)
        else:
            out.append(w)
    return out


@rule(
    code="DL3028",
    name="gem-pin-versions",
    summary="Pin versions in gem install",
    severity=Severity.WARNING,
    tags=("ruby", "pinning", "reproducibility"),
    each="instruction",
    keywords=("RUN",),
)
def gem_pin(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    out = []
    for c in shell_commands(ins):
        if c.name != "gem" or c.sub not in ("install", "i") or c.has_flag("v", "version"):
            continue
        words = c.args[next(k for k, w in enumerate(c.args) if w is c.sub_word) + 1:]
        out += [Finding(w.span, MESSAGE) for w in gems(words) if ":" not in literal(w)]
    return out

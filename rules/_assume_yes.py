"""The "non-interactive switch missing" rules (DL3030 yum, DL3038 dnf, DL3034
zypper): a package manager sub-command that asks for confirmation, without
the option that answers it."""
from __future__ import annotations

from dockwise.syntax.model import Instruction

from ._api import Finding
from ._helpers import shell_commands


def missing_yes(ins: Instruction, tools: frozenset[str], subs: frozenset[str], yes: tuple[str, ...],
                message: str) -> list[Finding]:
    return [Finding(c.span, message) for c in shell_commands(ins)
            if c.name in tools and c.sub in subs and not c.has_flag(*yes)]

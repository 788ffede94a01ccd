"""Signature help for instruction arguments (engine side: no LSP types).

:func:`signature_help` shows the forms of the instruction at the cursor
(``COPY [--from=<stage>] … <src>... <dest>``, ``HEALTHCHECK [OPTIONS] CMD
<command>`` / ``HEALTHCHECK NONE`` …) with the active form (exec vs shell,
CMD vs NONE) and the active parameter: the flag being typed, or the
positional argument the cursor is on. Parameters are ``(start, end)`` offsets
into the label, so repeated placeholders are unambiguous.
"""
from __future__ import annotations

from dataclasses import dataclass

from dockwise.editor import instruction_docs as docs
from dockwise.editor.completion import Context, context_at
from dockwise.syntax.model import Dockerfile, Pos


@dataclass(slots=True)
class Signature:
    label: str
    params: list[tuple[int, int]]  # offsets into ``label``
    doc: str | None = None

    def param_text(self, i: int) -> str:
        s, e = self.params[i]
        return self.label[s:e]


@dataclass(slots=True)
class SignatureHelp:
    signatures: list[Signature]
    active_signature: int
    active_parameter: int | None


def _sig(keyword: str, *parts: str) -> Signature:
    """``parts`` are the parameters, joined by spaces after the keyword
    (a part starting with ``+`` is glued to the previous one)."""
    label = keyword
    params = []
    for p in parts:
        if p.startswith("+"):
            p = p[1:]
        else:
            label += " "
        params.append((len(label), len(label) + len(p)))
        label += p
    d = docs.INSTRUCTIONS.get(keyword)
    return Signature(label, params, d["summary"] if d else None)


def _flag_params(keyword: str) -> list[str]:
    placeholders = {
        "platform": "<platform>", "mount": "<type>,<options>", "network": "default|none|host",
        "security": "sandbox|insecure", "device": "<name>", "from": "<stage|image>",
        "chown": "<user>[:<group>]", "chmod": "<perms>", "exclude": "<pattern>", "checksum": "<hash>",
        "interval": "<duration>", "timeout": "<duration>", "start-period": "<duration>",
        "start-interval": "<duration>", "retries": "<n>",
    }
    out = []
    for name in docs.FLAGS.get(keyword, {}):
        if name == "device":
            continue
        ph = placeholders.get(name)
        out.append(f"[--{name}={ph}]" if ph else f"[--{name}]")
    return out


def _signatures(keyword: str) -> list[Signature]:
    f = _flag_params(keyword)
    if keyword == "FROM":
        return [_sig("FROM", *f, "<image>[:<tag>|@<digest>]", "[AS <name>]")]
    if keyword == "RUN":
        return [_sig("RUN", *f, "<command>"), _sig("RUN", *f, '["<executable>",', '"<param>"…]')]
    if keyword in ("COPY", "ADD"):
        return [_sig(keyword, *f, "<src>...", "<dest>"), _sig(keyword, *f, '["<src>",…', '"<dest>"]')]
    if keyword == "HEALTHCHECK":
        return [_sig("HEALTHCHECK", *f, "CMD", "<command>"), _sig("HEALTHCHECK", "NONE")]
    if keyword == "CMD":
        return [_sig("CMD", "<command>", "[<param>…]"), _sig("CMD", '["<executable>",', '"<param>"…]'),
                _sig("CMD", '["<param>"…]')]
    if keyword == "ENTRYPOINT":
        return [_sig("ENTRYPOINT", "<command>", "[<param>…]"), _sig("ENTRYPOINT", '["<executable>",', '"<param>"…]')]
    simple = {
        "EXPOSE": ("<port>", "+[/<protocol>]", "..."),
        "ARG": ("<name>", "+[=<default value>]", "..."),
        "ENV": ("<key>", "+=<value>", "..."),
        "LABEL": ("<key>", "+=<value>", "..."),
        "USER": ("<user>", "+[:<group>]"),
        "WORKDIR": ("<path>",),
        "STOPSIGNAL": ("<signal>",),
        "MAINTAINER": ("<name>",),
        "ONBUILD": ("<INSTRUCTION>",),
    }
    if keyword in simple:
        return [_sig(keyword, *simple[keyword])]
    if keyword == "VOLUME":
        return [_sig("VOLUME", "<path>", "..."), _sig("VOLUME", '["<path>",', '…]')]
    if keyword == "SHELL":
        return [_sig("SHELL", '["<executable>",', '"<parameters>"]')]
    return []


def _flag_index(sig: Signature, word: str) -> int | None:
    name = word[2:].partition("=")[0]
    for i in range(len(sig.params)):
        t = sig.param_text(i)
        if name and t.startswith(f"[--{name}"):
            return i
    return None


def signature_help(df: Dockerfile, pos: Pos) -> SignatureHelp | None:
    """Signature help at ``pos``; None outside an instruction's arguments."""
    ctx = context_at(df, pos)
    if ctx.kind != "args":
        return None
    sigs = _signatures(ctx.keyword)
    if not sigs:
        return None
    nflags = len(_flag_params(ctx.keyword))
    word = ctx.word
    if ctx.flags_phase and word.startswith("--"):
        i = _flag_index(sigs[0], word)
        return SignatureHelp(sigs, 0, i)
    positional = ctx.positional
    k = len(positional)  # index of the positional argument under the cursor
    first = positional[0] if positional else word
    kw = ctx.keyword
    active_sig, param = 0, None
    if kw == "FROM":
        param = nflags + (0 if k == 0 else 1)
    elif kw in ("RUN", "CMD", "ENTRYPOINT", "COPY", "ADD", "VOLUME", "SHELL") and first.startswith("["):
        active_sig = 1 if kw != "SHELL" else 0
        text = " ".join(positional + [word])
        commas = _json_commas(text)
        base = nflags if kw in ("RUN", "COPY", "ADD") else 0
        if kw == "CMD" and commas == 0 and len(sigs) > 2:
            active_sig = 1
        if kw in ("COPY", "ADD"):
            param = base + (1 if _is_last_arg(ctx, df) and commas > 0 else 0)
        else:
            param = base + min(commas, 1)
    elif kw in ("RUN",):
        param = nflags
    elif kw in ("COPY", "ADD"):
        param = nflags + (1 if k >= 1 and _is_last_arg(ctx, df) else 0)
    elif kw == "HEALTHCHECK":
        if first.upper() == "NONE" and (k >= 1 or word.upper() == "NONE"):
            active_sig, param = 1, 0
        else:
            param = nflags + (0 if k == 0 else 1)
    elif kw in ("CMD", "ENTRYPOINT"):
        param = 0 if k == 0 else 1
    elif kw == "EXPOSE":
        param = 1 if "/" in word else 0
    elif kw in ("ARG", "USER"):
        param = 1 if ("=" if kw == "ARG" else ":") in word else 0
    elif kw in ("ENV", "LABEL"):
        param = 1 if "=" in word or (k % 2 == 1 and positional and "=" not in positional[0]) else 0
    else:
        param = 0
    return SignatureHelp(sigs, active_sig, param)


def _json_commas(text: str) -> int:
    """Commas outside JSON strings in ``text``."""
    n, in_str, esc = 0, False, False
    for c in text:
        if esc:
            esc = False
        elif in_str and c == "\\":
            esc = True
        elif c == '"':
            in_str = not in_str
        elif c == "," and not in_str:
            n += 1
    return n


def _is_last_arg(ctx: Context, df: Dockerfile) -> bool:
    """The cursor's word is the instruction's last argument (the destination)."""
    ins = ctx.ins
    if ins is None:
        return True
    eff = ins.effective
    if not eff.args:
        return True
    return ctx.pos >= eff.args[-1].span.start

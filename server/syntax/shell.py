"""Shell parsing of RUN instructions with tree-sitter-bash.

:func:`parse_shell` turns the logical text of a RUN (or of a heredoc script)
into a :class:`~dockwise.syntax.model.ShellScript`: every simple command with its words
after quote removal, mapped back to Dockerfile positions through a
:class:`~dockwise.syntax.model.SourceMap`.

Performance notes (the linter parses every RUN of every file):

* tree-sitter is imported on first use, so importing this module is cheap;
* the walk uses an explicit stack (deep nesting cannot overflow the Python
  stack) and only descends into nodes that can contain commands: a word is
  entered only when its text contains a command or process substitution;
* word values are computed from one slice of the text, never from child nodes;
* offsets are mapped with a local copy of the SourceMap's pieces (same results
  as :meth:`SourceMap.span`, about twice as fast).
"""
from __future__ import annotations

import re
import threading
from bisect import bisect_right
from typing import Any, Callable

from dockwise import lazyre
from dockwise.syntax.model import Pos, ShellCommand, ShellScript, SourceMap, Span, Word

__all__ = ["parse_shell", "line_map", "is_windows_shell", "unquote_word"]

_LANGUAGE: Any = None
_local = threading.local()  # one Parser per thread: a Parser is not thread-safe
_lang_lock = threading.Lock()


def _parser() -> Any:
    p = getattr(_local, "parser", None)
    if p is None:
        global _LANGUAGE
        import tree_sitter
        import tree_sitter_bash

        with _lang_lock:
            if _LANGUAGE is None:
                _LANGUAGE = tree_sitter.Language(tree_sitter_bash.language())
        p = tree_sitter.Parser(_LANGUAGE)
        _local.parser = p
    return p


# -- node type classes ------------------------------------------------------

_DECL = frozenset({"declaration_command", "unset_command"})
_ASSIGN_STMT = frozenset({"variable_assignment", "variable_assignments"})
_REDIRECTS = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
# expansions that make a word non-static
_DYN = frozenset(
    {"simple_expansion", "expansion", "command_substitution", "arithmetic_expansion",
     "process_substitution"}
)
# a new shell process: the subshell flag is set inside
_SUBSHELL = frozenset({"subshell", "command_substitution", "process_substitution"})
# substitutions run outside the surrounding pipeline / negation
_SUBST = frozenset({"command_substitution", "process_substitution"})
# leaves whose text is the value as is (no quote removal)
_KEEP_RAW = frozenset(
    {"number", "extglob_pattern", "regex", "test_operator", "variable_name",
     "special_variable_name", "file_descriptor"}
)
# test expressions whose parts are flattened into the args of `[` / `[[`
_TEST_EXPR = frozenset(
    {"binary_expression", "unary_expression", "parenthesized_expression",
     "ternary_expression", "postfix_expression", "negated_expression"}
)
_PIPE_OPS = frozenset({"|", "|&"})
# word nodes that can hold a command only through a substitution
_WORDLIKE = frozenset(
    {"string", "concatenation", "simple_expansion", "expansion", "translated_string",
     "array", "brace_expression", "arithmetic_expansion"}
)


def _has_subst(raw: str) -> bool:
    """Can this word's text hold a command (``$(..)``, backticks, ``<(..)``)?"""
    return "$(" in raw or "`" in raw or "<(" in raw or ">(" in raw


# walk context: (pipeline id or -1, in_pipe, background, subshell, negated,
#                substitution depth, operator before the next command emitted)
_CTX0 = (-1, False, False, False, False, 0, "")
# operators that join commands (ShellCommand.op); ";;" ends a case item
_JOIN_OPS = frozenset({"&&", "||", ";", "&", "|", "|&", ";;", ";&", ";;&"})
# Command substitutions nested deeper than this are not walked: a RUN nesting
# thousands of `$(${`…`})` would otherwise cost time and memory quadratic in its
# length (every level's words hold the text of the levels inside). The script
# records where it stopped (ShellScript.too_deep); the parser reports it.
MAX_SUBST_DEPTH = 64


# -- quote removal ----------------------------------------------------------

_TOKEN = lazyre.compile(
    r"""
      '(?P<sq>[^']*)'?                                  # 'single'
    | \$'(?P<ansi>[^'\\]*(?:\\.?[^'\\]*)*)'?            # $'ansi c'
    | \$?"(?P<dq>[^"\\]*(?:\\.?[^"\\]*)*)"?             # "double" / $"translated"
    | \\(?P<bs>.?)                                      # \x
    | (?P<lit>[^'"\\$]+|\$)                             # plain text
    """,
    re.X | re.S,
)
_DQ_ESC = lazyre.compile(r"\\([$`\"\\\n])")
_BARE_ESC = lazyre.compile(r"\\(.?)", re.S)
_ANSI_ESC = lazyre.compile(
    r"\\(?:([abeEfnrtv\\'\"?])|([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{1,4})"
    r"|U([0-9A-Fa-f]{1,8})|c(.))",
    re.S,
)
_ANSI_SIMPLE = {
    "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r",
    "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?",
}


def _chr(code: int) -> str:
    try:
        return chr(code)
    except (ValueError, OverflowError):
        return "\ufffd"


def _ansi_sub(m: re.Match[str]) -> str:
    g = m.group(1)
    if g is not None:
        return _ANSI_SIMPLE[g]
    g = m.group(2)
    if g is not None:
        return _chr(int(g, 8) & 0xFF)
    for i in (3, 4, 5):
        g = m.group(i)
        if g is not None:
            return _chr(int(g, 16))
    return _chr(ord(m.group(6)) & 0x1F)


def _dq_sub(m: re.Match[str]) -> str:
    c = m.group(1)
    return "" if c == "\n" else c


def unquote_word(raw: str) -> str:
    """Shell quote removal for a static word: ``'..'``, ``".."``, ``$'..'``
    escapes and backslashes. Never raises; an unterminated quote runs to the end.
    ``$`` expansions are not performed (the text is kept)."""
    if "\\" not in raw and "'" not in raw and '"' not in raw:
        return raw
    out: list[str] = []
    add = out.append
    for m in _TOKEN.finditer(raw):
        kind = m.lastgroup
        if kind == "lit":
            add(m.group(kind))
        elif kind == "sq":
            add(m.group(kind))
        elif kind == "dq":
            body = m.group(kind)
            add(_DQ_ESC.sub(_dq_sub, body) if "\\" in body else body)
        elif kind == "ansi":
            body = m.group(kind)
            add(_ANSI_ESC.sub(_ansi_sub, body) if "\\" in body else body)
        else:  # backslash: \x -> x, \<newline> -> nothing
            c = m.group("bs")
            if c != "\n":
                add(c)
    return "".join(out)


def _unescape_bare(raw: str) -> str:
    """Quote removal for a ``word`` node (no quotes inside, only backslashes)."""
    return _BARE_ESC.sub(_dq_sub, raw)


# -- offsets ----------------------------------------------------------------


def _byte_to_str(text: str) -> list[int]:
    """``table[b]`` is the str index of the character holding UTF-8 byte ``b``
    (``len(text)`` for the end offset)."""
    table: list[int] = []
    add = table.append
    ext = table.extend
    for i, ch in enumerate(text):
        o = ord(ch)
        if o < 0x80:
            add(i)
        elif o < 0x800:
            ext((i, i))
        elif o < 0x10000:
            ext((i, i, i))
        else:
            ext((i, i, i, i))
    add(len(text))
    return table


def _span_constructor() -> Callable[[int, int, int, int], Span]:
    """``mk(l1, c1, l2, c2)`` builds ``Span(Pos(l1, c1), Pos(l2, c2))`` without
    the frozen-dataclass ``__init__`` (one ``object.__setattr__`` per field):
    equal objects at about half the cost. Falls back to the plain constructors
    if the model classes stop being slotted dataclasses."""
    try:
        pl = Pos.__dict__["line"].__set__
        pc = Pos.__dict__["col"].__set__
        ss = Span.__dict__["start"].__set__
        se = Span.__dict__["end"].__set__
        new = object.__new__

        def mk(l1: int, c1: int, l2: int, c2: int) -> Span:
            p = new(Pos)
            pl(p, l1)
            pc(p, c1)
            q = new(Pos)
            pl(q, l2)
            pc(q, c2)
            sp = new(Span)
            ss(sp, p)
            se(sp, q)
            return sp

        if mk(1, 2, 3, 4) == Span(Pos(1, 2), Pos(3, 4)):
            return mk
    except (KeyError, AttributeError, TypeError):
        pass

    def mk_plain(l1: int, c1: int, l2: int, c2: int) -> Span:
        return Span(Pos(l1, c1), Pos(l2, c2))

    return mk_plain


_mk_span = _span_constructor()


def _spanner(smap: SourceMap) -> Callable[[int, int], Span]:
    """A function equal to ``smap.span`` that avoids the per-call overhead of
    :meth:`SourceMap.pos` (one bisect per end, no intermediate Pos)."""
    offs = getattr(smap, "_offs", None)
    lines = getattr(smap, "_lines", None)
    cols = getattr(smap, "_cols", None)
    end = getattr(smap, "_end", None)
    if (
        type(smap) is not SourceMap
        or not offs
        or not isinstance(lines, list)
        or not isinstance(cols, list)
        or not isinstance(end, Pos)
    ):
        return smap.span
    last = len(offs) - 1
    endl = end.line
    endc = end.col

    mk = _mk_span

    if last == 0:
        o0 = offs[0]
        l0 = lines[0]
        c0 = cols[0] - o0
        cmax = endc if l0 == endl else (1 << 62 if l0 < endl else -(1 << 62))

        def span1(s: int, e: int) -> Span:
            # one piece (a single-line RUN): SourceMap.pos is c0 + off, clamped to the end
            cs = c0 + s
            if cs <= cmax:
                ls = l0
            else:
                ls = endl
                cs = endc
            if e <= s:
                return mk(ls, cs, ls, cs)
            ce = c0 + e - 1
            if ce > cmax:
                return mk(ls, cs, endl, endc + 1)
            return mk(ls, cs, l0, ce + 1)

        return span1

    def span(s: int, e: int) -> Span:
        # SourceMap.pos(s) ...
        i = bisect_right(offs, s) - 1
        if i < 0:
            i = 0
        if i == last:
            ls = lines[i]
            cs = cols[i] + (s - offs[i])
            if ls > endl or (ls == endl and cs > endc):
                ls = endl
                cs = endc
        elif s < offs[i + 1]:
            ls = lines[i]
            cs = cols[i] + (s - offs[i])
        else:
            ls = lines[i + 1]
            cs = cols[i + 1]
        if e <= s:
            return mk(ls, cs, ls, cs)
        # ... and SourceMap.end_pos(e): pos(e - 1) plus one column
        o = e - 1
        if i < last and o >= offs[i + 1]:
            i = bisect_right(offs, o, i + 1) - 1
        if i == last:
            line = lines[i]
            col = cols[i] + (o - offs[i])
            if line > endl or (line == endl and col > endc):
                line = endl
                col = endc
        elif o < offs[i + 1]:
            line = lines[i]
            col = cols[i] + (o - offs[i])
        else:
            line = lines[i + 1]
            col = cols[i + 1]
        return mk(ls, cs, line, col + 1)

    return span


# -- the walk ---------------------------------------------------------------


def _ops_before(children: list[Any], elems: list[Any]) -> list[str | None]:
    """For each of ``elems`` (named children of a pipeline or list, in order):
    the joining operator token right before it, None for the first."""
    out: list[str | None] = []
    prev = None
    k = 0
    for c in children:
        if k < len(elems) and c == elems[k]:
            out.append(prev if k else None)
            k += 1
            prev = None
        elif not c.is_named and c.type in _JOIN_OPS:
            prev = c.type
    while len(out) < len(elems):
        out.append(None)
    return out


def _has_dyn(node: Any) -> bool:
    todo = [node]
    while todo:
        n = todo.pop()
        if n.type in _DYN:
            return True
        if n.child_count:
            todo.extend(n.children)
    return False


class _Walker:
    __slots__ = ("text", "span", "tab", "commands", "next_pid", "too_deep")

    def __init__(self, text: str, smap: SourceMap, tab: list[int] | None) -> None:
        self.text = text
        self.span = _spanner(smap)
        self.tab = tab
        self.commands: list[tuple[int, ShellCommand]] = []
        self.next_pid = 0
        self.too_deep: Span | None = None

    def _range(self, node: Any) -> tuple[int, int]:
        tab = self.tab
        if tab is None:
            return node.start_byte, node.end_byte
        return tab[node.start_byte], tab[node.end_byte]

    def word(self, node: Any, t: str) -> Word:
        tab = self.tab
        if tab is None:
            s = node.start_byte
            e = node.end_byte
        else:
            s = tab[node.start_byte]
            e = tab[node.end_byte]
        raw = self.text[s:e]
        span = self.span(s, e)
        if t == "word":
            return Word(_unescape_bare(raw) if "\\" in raw else raw, raw, span, True)
        if t in _KEEP_RAW:
            return Word(raw, raw, span, True)
        if t in _DYN:
            return Word(raw, raw, span, False)
        if t == "raw_string" or t == "ansi_c_string":
            return Word(unquote_word(raw), raw, span, True)
        if ("$" in raw or "`" in raw) and _has_dyn(node):
            return Word(raw, raw, span, False)
        return Word(unquote_word(raw), raw, span, True)

    def token(self, node: Any) -> Word:
        s, e = self._range(node)
        raw = self.text[s:e]
        return Word(raw, raw, self.span(s, e), True)

    def new_pid(self) -> int:
        pid = self.next_pid
        self.next_pid = pid + 1
        return pid

    def emit(self, s: int, e: int, ctx: tuple, name: str, name_span: Span | None,
             args: list[Word], assignments: list[str]) -> None:
        span = self.span(s, e)
        pid = ctx[0]
        if pid < 0:
            pid = self.next_pid
            self.next_pid = pid + 1
        self.commands.append(
            (s, ShellCommand(name, args, span, name_span or Span(span.start, span.start),
                             assignments, pid, ctx[1], ctx[2], ctx[3], ctx[4], None, ctx[6], ctx[5] > 0))
        )

    # commands --------------------------------------------------------------
    def command(self, node: Any, ctx: tuple, stack: list, redirected: Any | None) -> None:
        """A ``command`` node. ``redirected`` is the enclosing redirected_statement
        when the command is its body: `cmd >f arg` hangs ``arg`` on the redirect."""
        word = self.word
        tab = self.tab
        text = self.text
        span = self.span
        name: str | None = None
        name_span = None
        args: list[Word] = []
        assignments: list[str] = []
        walk: list[Any] = []
        for c in node.children:
            t = c.type
            if t == "word":  # the common case, inlined
                if tab is None:
                    s = c.start_byte
                    e = c.end_byte
                else:
                    s = tab[c.start_byte]
                    e = tab[c.end_byte]
                raw = text[s:e]
                args.append(Word(_unescape_bare(raw) if "\\" in raw else raw, raw, span(s, e), True))
            elif t == "command_name":
                k = c.children[0] if c.child_count == 1 else c
                kt = k.type
                if kt == "word":
                    if tab is None:
                        s = k.start_byte
                        e = k.end_byte
                    else:
                        s = tab[k.start_byte]
                        e = tab[k.end_byte]
                    name = text[s:e]
                    if "\\" in name:
                        name = _unescape_bare(name)
                    name_span = span(s, e)
                else:
                    w = word(k, kt)
                    name = w.value
                    name_span = w.span
                    if k.child_count and _has_subst(w.raw):
                        walk.append(k)
            elif t == "variable_assignment":
                s, e = self._range(c)
                if name is None:
                    assignments.append(text[s:e])
                else:  # not produced by the grammar; keep it as an argument
                    args.append(word(c, t))
                if c.child_count:
                    walk.append(c)
            elif t in _REDIRECTS or t == "ERROR":
                walk.append(c)
            elif t == "comment" or not c.is_named:
                continue
            else:
                w = word(c, t)
                args.append(w)
                if c.child_count and (t not in _WORDLIKE or _has_subst(w.raw)):
                    walk.append(c)
        s, e = self._range(node)
        if redirected is not None:
            for r in redirected.children[1:]:
                rt = r.type
                if rt == "file_redirect":
                    e = max(e, self._range(r)[1])
                    seen_dest = False
                    for c in r.children:
                        if not c.is_named:
                            continue
                        ct = c.type
                        if ct == "file_descriptor" or ct == "comment" or ct == "ERROR":
                            continue
                        if not seen_dest:
                            seen_dest = True
                            continue
                        args.append(word(c, ct))
                elif rt == "herestring_redirect":
                    e = max(e, self._range(r)[1])
                elif rt == "heredoc_redirect":
                    # the span covers `<<EOF`, not the body or what follows
                    for c in r.children:
                        if c.type == "heredoc_start":
                            e = max(e, self._range(c)[1])
                            break
                    break
                else:
                    break
        self.emit(s, e, ctx, name or "", name_span, args, assignments)
        if walk:
            self.push_sub(walk, ctx, stack)

    def push_sub(self, nodes: list[Any], ctx: tuple, stack: list) -> None:
        """Queue parts of a command that may hold nested commands."""
        if ctx[6]:
            ctx = ctx[:6] + ("",)
        for c in reversed(nodes):
            if c.type == "variable_assignment":
                # scan the value only: the assignment is no statement here
                for k in reversed(c.children):
                    if k.child_count:
                        stack.append((k, ctx))
            else:
                stack.append((c, ctx))

    def simple_other(self, node: Any, t: str, ctx: tuple, stack: list) -> None:
        """declaration_command / unset_command / test_command."""
        children = node.children
        args: list[Word] = []
        walk: list[Any] = []
        name = ""
        name_span = None
        if children and not children[0].is_named:
            first = self.token(children[0])
            name = first.value
            name_span = first.span
            children = children[1:]
        if t == "test_command":
            if children and not children[-1].is_named and children[-1].type in ("]", "]]"):
                children = children[:-1]
            self.flatten_test(children, args)
            walk = [c for c in children if c.child_count]
        else:
            for c in children:
                if not c.is_named:
                    continue
                ct = c.type
                if ct == "comment":
                    continue
                if ct in _REDIRECTS or ct == "ERROR":
                    walk.append(c)
                    continue
                args.append(self.word(c, ct))
                if c.child_count:
                    walk.append(c)
        s, e = self._range(node)
        self.emit(s, e, ctx, name, name_span, args, [])
        if walk:
            self.push_sub(walk, ctx, stack)

    def flatten_test(self, nodes: list[Any], args: list[Word]) -> None:
        todo = list(reversed(nodes))
        while todo:
            c = todo.pop()
            ct = c.type
            if ct in _TEST_EXPR:
                todo.extend(reversed(c.children))
            elif ct == "comment" or ct == "ERROR":
                continue
            elif not c.is_named:
                args.append(self.token(c))
            else:
                args.append(self.word(c, ct))

    def assignment_stmt(self, node: Any, t: str, ctx: tuple, stack: list) -> None:
        """``FOO=bar`` / ``A=1 B=2`` as a statement: a command named ""."""
        text = self.text
        if t == "variable_assignment":
            parts = [node]
        else:
            parts = [c for c in node.children if c.type == "variable_assignment"]
        assignments = []
        for c in parts:
            s, e = self._range(c)
            assignments.append(text[s:e])
        s, e = self._range(node)
        self.emit(s, e, ctx, "", None, [], assignments)
        self.push_sub(parts, ctx, stack)

    # pipelines -------------------------------------------------------------
    def pipeline(self, node: Any, ctx: tuple, stack: list, pid: int | None = None) -> None:
        elems = [c for c in node.children if c.is_named and c.type != "comment"]
        neg = ctx[4]
        if elems and elems[0].type == "negated_command":
            neg = True  # `! a | b` negates the whole pipeline
        if pid is None:
            pid = self.new_pid()
        pctx = (pid, len(elems) >= 2 or ctx[1], ctx[2], ctx[3], neg, ctx[5], ctx[6])
        ops = _ops_before(node.children, elems)
        for c, op in zip(reversed(elems), reversed(ops)):
            self.pipe_elem(c, pctx if op is None else pctx[:6] + (op,), ctx, stack)

    def pipe_elem(self, c: Any, pctx: tuple, outer: tuple, stack: list) -> None:
        t = c.type
        if t == "pipeline":
            self.pipeline(c, pctx, stack, pid=pctx[0])
        elif t == "list":
            # only after a heredoc (`cat <<EOF | a && b`): tree-sitter nests the
            # list in the pipe, bash pipes into its leftmost command only
            named = [k for k in c.children if k.is_named and k.type != "comment"]
            ops = _ops_before(c.children, named)
            rest = (-1, False, outer[2], outer[3], outer[4], outer[5], "")
            for i in range(len(named) - 1, 0, -1):
                stack.append((named[i], rest[:6] + (ops[i] or ";",)))
            if named:
                self.pipe_elem(named[0], pctx, outer, stack)
        else:
            stack.append((c, pctx))

    def redirected(self, node: Any, ctx: tuple, stack: list) -> None:
        children = node.children
        if not children:
            return
        body = children[0]
        rest = children[1:]
        # `cat <<EOF | sh`: tree-sitter nests `| sh` inside the heredoc redirect
        cont = None
        for r in rest:
            if r.type == "heredoc_redirect":
                for k in r.children:
                    if k.type == "pipeline" and k.child_count and k.children[0].type in _PIPE_OPS:
                        cont = k
                        break
                if cont is not None:
                    break
        bctx = ctx
        if cont is not None:
            pid = ctx[0] if ctx[1] else self.new_pid()
            bctx = (pid, True, ctx[2], ctx[3], ctx[4], ctx[5], ctx[6])
        # queue the redirects first: they are popped after the body
        for i in range(len(rest) - 1, -1, -1):
            r = rest[i]
            if r.type == "heredoc_redirect":
                kids = r.children
                for j in range(len(kids) - 1, -1, -1):
                    k = kids[j]
                    if cont is not None and k == cont:
                        elems = [x for x in k.children if x.is_named and x.type != "comment"]
                        ops = _ops_before(k.children, elems)
                        for x, op in zip(reversed(elems), reversed(ops)):
                            self.pipe_elem(x, bctx[:6] + (op or "|",), ctx, stack)
                    elif k.child_count:
                        # what follows the heredoc's opener on its line: `<<EOF && b`
                        op = kids[j - 1].type if j and kids[j - 1].type in _JOIN_OPS else ""
                        kctx = ctx[:6] + (op,)
                        if j + 1 < len(kids) and kids[j + 1].type == "&":
                            kctx = (ctx[0], ctx[1], True, ctx[3], ctx[4], ctx[5], op)
                        stack.append((k, kctx))
            elif r.child_count:
                # `>$(mktemp)`; a command's extra redirect words become its args
                stack.append((r, ctx[:6] + ("",)))
        if body.type == "command":
            self.command(body, bctx, stack, node)
        else:
            stack.append((body, bctx))

    # driver ----------------------------------------------------------------
    def run(self, root: Any) -> None:
        stack: list[tuple[Any, tuple]] = [(root, _CTX0)]
        pop = stack.pop
        push = stack.append
        while stack:
            node, ctx = pop()
            t = node.type
            if t == "command":
                self.command(node, ctx, stack, None)
            elif t == "redirected_statement":
                self.redirected(node, ctx, stack)
            elif t == "pipeline":
                self.pipeline(node, ctx, stack)
            elif t in _DECL or t == "test_command":
                self.simple_other(node, t, ctx, stack)
            elif t in _ASSIGN_STMT:
                self.assignment_stmt(node, t, ctx, stack)
            else:
                if t in _SUBSHELL:
                    if t in _SUBST:
                        depth = ctx[5] + 1
                        if depth > MAX_SUBST_DEPTH:
                            if self.too_deep is None:
                                s, e = self._range(node)
                                self.too_deep = self.span(s, e)
                            continue
                        ctx = (-1, False, ctx[2], True, False, depth, "")
                    elif not ctx[3]:
                        ctx = (ctx[0], ctx[1], ctx[2], True, ctx[4], ctx[5], ctx[6])
                elif t == "negated_command" and not ctx[4]:
                    ctx = (ctx[0], ctx[1], ctx[2], ctx[3], True, ctx[5], ctx[6])
                children = node.children
                # the operator before each child: the token right before it when it
                # joins commands; the first statement keeps the operator of the node
                ops = []
                named_seen = False
                prev_tok = None
                for c in children:
                    if not c.child_count and not c.is_named:
                        prev_tok = c.type
                        ops.append(None)
                        continue
                    if prev_tok in _JOIN_OPS:
                        ops.append(prev_tok)
                    elif named_seen:
                        ops.append(";")
                    else:
                        ops.append(ctx[6])
                    named_seen = named_seen or c.type != "comment"
                    prev_tok = None
                bg = None
                for i in range(len(children) - 1, -1, -1):
                    c = children[i]
                    if not c.child_count:
                        if c.type == "&":
                            # the statement just before '&' runs in the background
                            bg = (ctx[0], ctx[1], True, ctx[3], ctx[4], ctx[5])
                        continue
                    op = ops[i]
                    if bg is not None:
                        push((c, bg + (op,)))
                        bg = None
                    elif op == ctx[6]:
                        push((c, ctx))
                    else:
                        push((c, ctx[:6] + (op,)))

    def result(self) -> list[ShellCommand]:
        cmds = self.commands
        for i in range(1, len(cmds)):
            if cmds[i][0] < cmds[i - 1][0]:
                cmds.sort(key=lambda x: x[0])
                break
        return [c for _, c in cmds]


# -- public API ---------------------------------------------------------------

_ASTRAL = lazyre.compile(rb"[\xf0-\xf7][\x80-\xbf]{3}")  # a 4-byte UTF-8 character


_BACKQUOTED_COMMENT = lazyre.compile(rb"`[ \t]*#[^`\n]*`")


def parse_shell(text: str, smap: SourceMap) -> ShellScript:
    """Parse the logical shell text of a RUN (or of a heredoc script).

    ``smap`` maps every str offset of ``text`` to a Dockerfile position.
    ``commands`` lists every simple command (and ``export``/``local``/
    ``unset``/``[``/``[[``, and bare assignments as name "") in source order,
    wherever it is nested. Never raises on bad input: with syntax errors ``ok``
    is False and the commands tree-sitter still recognised are returned.
    """
    if not text or text.isspace():
        return ShellScript(text, [], True, "bash")
    if text.isascii():
        data = text.encode("ascii")
        tab = None
    else:
        data = text.encode("utf-8", "surrogatepass")
        if _ASTRAL.search(data):
            # tree-sitter-bash 0.25 can crash (SIGSEGV) on `{` followed by a
            # 4-byte UTF-8 character (tree-sitter/tree-sitter-bash#337). Parse
            # a stand-in of the same byte length: each 4-byte character becomes
            # "éé", another plain word character. Words are sliced from `text`.
            data = _ASTRAL.sub("éé".encode(), data)
        tab = _byte_to_str(text)
    if b"`" in data and _BACKQUOTED_COMMENT.search(data):
        # `# a comment` in backquotes (an inline comment in a continued RUN) is
        # an empty command substitution for the shell; tree-sitter-bash stops
        # at it. Parse blanks of the same length there instead.
        data = _BACKQUOTED_COMMENT.sub(lambda m: b" " * len(m.group(0)), data)
    root = _parser().parse(data).root_node
    w = _Walker(text, smap, tab)
    w.run(root)
    return ShellScript(text, w.result(), not root.has_error, "bash", too_deep=w.too_deep, smap=smap)


def line_map(text: str, first_line: int, first_col: int = 0) -> SourceMap:
    """A SourceMap for raw multi-line ``text`` starting at ``(first_line, first_col)``
    whose later lines start at column 0. Each ``\\n`` maps to the end of its line."""
    m = SourceMap()
    off = 0
    line = first_line
    col = first_col
    n = len(text)
    while True:
        nl = text.find("\n", off)
        if nl < 0:
            m.add(off, line, col, n - off)
            m.set_end(Pos(line, col + (n - off)))
            break
        m.add(off, line, col, nl + 1 - off)
        off = nl + 1
        line += 1
        col = 0
        if off >= n:
            m.set_end(Pos(line, 0))
            break
    return m


_WINDOWS_SHELLS = frozenset({"powershell", "pwsh", "cmd"})


def is_windows_shell(shell_argv: list[str]) -> bool:
    """True when the shell's executable (``SHELL ["powershell", ...]``) is
    PowerShell or cmd: basename, any separator, any case, optional ``.exe``."""
    if not shell_argv:
        return False
    exe = shell_argv[0].strip().replace("\\", "/").rsplit("/", 1)[-1].lower()
    if exe.endswith(".exe"):
        exe = exe[:-4]
    return exe in _WINDOWS_SHELLS

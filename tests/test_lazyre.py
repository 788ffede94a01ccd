"""Patterns compiled on first use (dockwise.lazyre): they behave as re.compile's,
every one the package defines compiles, and importing the engine compiles few."""
import copy
import importlib
import pkgutil
import re
import subprocess
import sys

import pytest

import dockwise
from dockwise import lazyre
from dockwise.lazyre import LazyPattern


def _all_lazy_patterns() -> list[tuple[str, str, LazyPattern]]:
    import dockwise.rules as rules_pkg

    found = []
    names = [m.name for m in pkgutil.walk_packages(dockwise.__path__, "dockwise.")]
    names += [f"dockwise.rules.{m.name}" for m in pkgutil.iter_modules(rules_pkg.__path__)]
    for name in sorted(set(names)):
        if name.startswith("dockwise.lsp.") or name.endswith("__main__"):
            continue  # the LSP layer defines none; importing it needs pygls
        mod = importlib.import_module(name)
        for attr, value in vars(mod).items():
            if isinstance(value, LazyPattern):
                found.append((name, attr, value))
            elif isinstance(value, (tuple, list)):  # tables of patterns (rules._pm's cache directories)
                for k, item in enumerate(value):
                    for part in item if isinstance(item, tuple) else (item,):
                        if isinstance(part, LazyPattern):
                            found.append((name, f"{attr}[{k}]", part))
    return found


def test_every_pattern_the_package_defines_compiles():
    found = _all_lazy_patterns()
    assert len(found) > 60, "the engine's module-level patterns are lazy"
    for mod, attr, p in found:
        try:
            p.pattern
        except re.error as exc:  # pragma: no cover - the failure message names it
            pytest.fail(f"{mod}.{attr}: {exc}")


@pytest.mark.parametrize("source,flags,text", [
    (r"(?P<k>\w+)=(\d+)", 0, "a=1 bb=22 c=x"),
    (r"^\s*#\s*(syntax|escape)\s*=", re.I | re.M, "# SYNTAX=x\n#escape=`\n"),
    (r"""  a  # a comment, verbose
         (b|c)+""", re.X, "xabcbz ab"),
    (rb"[\xf0-\xf7][\x80-\xbf]{3}", 0, "a😀b".encode()),
])
def test_behaves_as_the_compiled_pattern(source, flags, text):
    lazy, real = lazyre.compile(source, flags), re.compile(source, flags)
    sub = b"_" if isinstance(text, bytes) else "_"
    assert repr(lazy.search(text)) == repr(real.search(text))
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in real.finditer(text)]
    assert lazy.findall(text) == real.findall(text)
    assert lazy.sub(sub, text) == real.sub(sub, text)
    assert lazy.subn(sub, text, count=1) == real.subn(sub, text, count=1)
    assert lazy.split(text) == real.split(text)
    assert repr(lazy.match(text)) == repr(real.match(text))
    assert repr(lazy.fullmatch(text)) == repr(real.fullmatch(text))
    assert (lazy.pattern, lazy.flags, lazy.groups, dict(lazy.groupindex)) == \
        (real.pattern, real.flags, real.groups, dict(real.groupindex))


def test_compiles_at_first_use_then_calls_the_compiled_pattern_directly():
    bad = lazyre.compile(r"(unclosed")  # defining it does not compile it
    with pytest.raises(re.error):
        bad.match("x")
    p = lazyre.compile(r"a+")
    m = p.match("aa")
    assert m is not None and m.group() == "aa"
    # after the first use each method is the compiled pattern's own bound method
    assert p.search.__self__ is p.match.__self__
    assert isinstance(p.search.__self__, re.Pattern)
    assert copy.deepcopy(p) is p and copy.copy(p) is p
    assert p == lazyre.compile(r"a+") and hash(p) == hash(lazyre.compile(r"a+"))
    assert p != lazyre.compile(r"a+", re.I)
    with pytest.raises(AttributeError):
        getattr(p, "no_such_attribute")


def test_importing_the_engine_compiles_few_patterns():
    """What makes the laziness worth having: the engine's import (the server's
    warm-up between ``initialize`` and the first analysis) compiles almost none
    of the patterns it defines. Checked in a fresh interpreter."""
    code = """
import sys
from dockwise.lsp.documents import ensure_engine
from dockwise.lazyre import LazyPattern
ensure_engine()

def compiled(p):  # a slot not yet set raises AttributeError from the slot itself
    try:
        LazyPattern.pattern.__get__(p)
        return True
    except AttributeError:
        return False

found = [v for m in list(sys.modules.values()) if m is not None
         for v in list(vars(m).values()) if isinstance(v, LazyPattern)]
print(len(found), sum(map(compiled, found)))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    lazy, compiled = map(int, out.stdout.split())
    assert lazy > 40
    assert compiled <= lazy // 5, f"{compiled} of {lazy} lazy patterns compiled by the import alone"

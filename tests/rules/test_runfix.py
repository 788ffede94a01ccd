"""rules._runfix.logical_commands: the offset-based parse fixes make of a RUN's
text, kept per text (short texts), the same as a fresh parse."""
from dockwise.rules import _runfix


def _shape(ok_cmds):
    ok, cmds = ok_cmds
    return ok, [(c.name, [a.value for a in c.args], c.span, c.op) for c in cmds]


def test_kept_parse_equals_a_fresh_parse_and_each_call_gets_its_own_list():
    text = "apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*"
    first = _runfix.logical_commands(text)
    assert _shape(first) == _shape(_runfix._parse_logical(text))
    assert [c.name for c in first[1]] == ["apt-get", "apt-get", "rm"]
    assert first[1][1].span.start.col == text.index("apt-get install")
    first[1].clear()  # a caller's list is its own
    again = _runfix.logical_commands(text)
    assert len(again[1]) == 3 and again[1][0] is not None
    assert _runfix._logical.cache_info().hits >= 1


def test_long_texts_are_parsed_every_time_and_not_kept():
    text = " && ".join(f"echo {k}" for k in range(_runfix._LOGICAL_TEXT_MAX // 8))
    assert len(text) > _runfix._LOGICAL_TEXT_MAX
    before = _runfix._logical.cache_info().currsize
    ok, cmds = _runfix.logical_commands(text)
    assert ok and len(cmds) == _runfix._LOGICAL_TEXT_MAX // 8
    assert _runfix._logical.cache_info().currsize == before


def test_and_chain_reads_the_kept_parse_the_same_way():
    assert [c.name for c in _runfix.and_chain("a && b -x && c") or []] == ["a", "b", "c"]
    assert _runfix.and_chain("a && b | c") is None
    assert _runfix.and_chain("a && b | c") is None  # kept parse, same answer

"""Tests for dockwise.syntax.expand (BuildKit shell/lex.go port).

The two BuildKit tables in fixtures/buildkit-shell/ (envVarTest, wordsTest) are
run case by case; the rest are unit tests (many ported from BuildKit's
lex_test.go) and hypothesis properties.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dockwise.syntax.expand import (
    MAX_DEPTH,
    ExpandError,
    expand_detailed,
    expand_word,
    expand_words,
    go_quote,
    unquote,
    variables_in,
)
from dockwise.syntax import expand as _expand_mod

FIXTURES = Path(__file__).parent / "fixtures" / "buildkit-shell"

# --------------------------------------------------------------------------
# table loading (mirrors TestShellParser4EnvVars / TestShellParser4Words)


def _lines(name: str) -> list[tuple[int, str]]:
    text = (FIXTURES / name).read_bytes().decode("utf-8")
    raw = text.split("\n")
    if raw and raw[-1] == "":
        raw.pop()
    return [(i, line[:-1] if line.endswith("\r") else line) for i, line in enumerate(raw, 1)]


ENV_VAR_ENV = {"PWD": "/home", "SHELL": "bash", "KOREAN": "한국어", "NULL": ""}


def _env_var_cases():
    cases = []
    for lineno, line in _lines("envVarTest"):
        if line.startswith("#"):
            continue
        line = line.strip()
        if not line:
            continue
        fields = line.split("|")
        assert len(fields) == 3, f"envVarTest line {lineno}: {line!r}"
        platform, source, expected = (f.strip() for f in fields)
        assert platform in ("A", "U", "W"), f"envVarTest line {lineno}: bad platform"
        # A rows hold on both platforms; U rows case-sensitive; W rows case-insensitive.
        modes = {"A": (False, True), "U": (False,), "W": (True,)}[platform]
        for ci in modes:
            cases.append(
                pytest.param(
                    source, expected, ci, id=f"L{lineno}-{platform}-{'ci' if ci else 'cs'}"
                )
            )
    return cases


def _words_cases():
    cases = []
    env: dict[str, str] = {}
    for lineno, line in _lines("wordsTest"):
        if line.startswith("#"):
            continue
        if line.startswith("ENV "):
            assignment = line[3:].lstrip(" ")
            k, sep, v = assignment.partition("=")
            env[k] = v if sep else ""
            continue
        fields = line.split("|")
        assert len(fields) == 2, f"wordsTest line {lineno}: {line!r}"
        source = fields[0].strip()
        expected = fields[1].lstrip(" ").split(",")
        cases.append(pytest.param(source, expected, dict(env), id=f"L{lineno}"))
    return cases


ENV_VAR_CASES = _env_var_cases()
WORDS_CASES = _words_cases()


def test_tables_loaded():
    # Guard against the loader silently dropping cases.
    assert len(ENV_VAR_CASES) >= 250
    assert len(WORDS_CASES) == 24


@pytest.mark.parametrize("source,expected,ci", ENV_VAR_CASES)
def test_env_var_table(source, expected, ci):
    if expected == "error":
        with pytest.raises(ExpandError):
            expand_word(source, ENV_VAR_ENV, case_insensitive=ci)
        with pytest.raises(ExpandError):
            expand_detailed(source, ENV_VAR_ENV, case_insensitive=ci)
    else:
        assert expand_word(source, ENV_VAR_ENV, case_insensitive=ci) == expected
        # ProcessWordWithMap path: same answer with a callable environment
        if not ci:
            assert expand_word(source, ENV_VAR_ENV.get) == expected
        assert expand_detailed(source, ENV_VAR_ENV, case_insensitive=ci)[0] == expected


@pytest.mark.parametrize("source,expected,env", WORDS_CASES)
def test_words_table(source, expected, env):
    try:
        result = expand_words(source, env)
    except ExpandError:
        result = ["error"]
    assert result == expected


# --------------------------------------------------------------------------
# error messages


@pytest.mark.parametrize(
    "word,message",
    [
        ("he'llo", "unexpected end of statement while looking for matching single-quote"),
        ('"hello', "unexpected end of statement while looking for matching double-quote"),
        ("${", "syntax error: missing '}'"),
        ("${PWD", "syntax error: missing '}'"),
        ("${aaa:-bbb", "syntax error: missing '}'"),
        ("${aaa:-bbb ${foo}", "syntax error: missing '}'"),
        ("${X:-'abc}", "syntax error: missing '}'"),  # inner error at EOF -> missing '}'
        ("${}", "syntax error: bad substitution"),
        ("${:-x}", "syntax error: bad substitution"),
        ("${{a}", "syntax error: bad substitution"),
        ("${.}", "unsupported modifier (.) in substitution"),
        ("${X:YYY}", "unsupported modifier (:Y) in substitution"),
        ("${X:=0}", "unsupported modifier (:=) in substitution"),
        ("${X=0}", "unsupported modifier (=) in substitution"),
        ("${#X}", "unsupported modifier (X) in substitution"),
        ("${X:#a}", "unsupported modifier (:#) in substitution"),
        ("${X:%a}", "unsupported modifier (:%) in substitution"),
        ("${X:##a}", "unsupported modifier (:#) in substitution"),
        ("${X:/a/b}", "unsupported modifier (:/) in substitution"),
        ("${X?}", "X: is not allowed to be unset"),
        ("${X:?}", "X: is not allowed to be unset"),
        ("${NULL:?}", "NULL: is not allowed to be empty"),
        ("${X?custom $PWD}", "X: custom /home"),
        ("${X:-${Y:?}}z", "Y: is not allowed to be unset"),
        ("${X/a}", "syntax error: missing '/' in ${}"),
        ("${X//}", "syntax error: missing '/' in ${}"),
        ("${X/a/b", "syntax error: missing '}'"),
        ("${PWD#\\x}", "invalid pattern (\\x) in substitution: invalid escape '\\x'"),
        ("${PWD/\\x/}", "invalid pattern (\\x) in substitution: invalid escape '\\x'"),
        # BuildKit reports the *reversed* pattern for suffix trimming
        ("${PWD%ab\\x}", "invalid pattern (\\xba) in substitution: invalid escape '\\x'"),
    ],
)
def test_error_messages(word, message):
    with pytest.raises(ExpandError) as info:
        expand_word(word, ENV_VAR_ENV)
    assert info.value.message == message
    assert str(info.value) == message
    assert info.value.word == word
    assert info.value.buildkit_message == f"failed to process {go_quote(word)}: {message}"


def test_error_carries_partial_lookups():
    with pytest.raises(ExpandError) as info:
        expand_detailed("$PWD ${A} ${B:?}", ENV_VAR_ENV)
    assert info.value.referenced == {"PWD", "A", "B"}
    assert info.value.unset == {"A", "B"}


def test_go_quote():
    assert go_quote('a"b\\c') == '"a\\"b\\\\c"'
    assert go_quote("x\ty\n\x01\u200b한") == '"x\\ty\\n\\x01\\u200b한"'


def test_nesting_limit_is_an_expand_error():
    deep = "${A:-" * (MAX_DEPTH + 5) + "x" + "}" * (MAX_DEPTH + 5)
    with pytest.raises(ExpandError):
        expand_word(deep, {})
    ok = "${A:-" * 20 + "x" + "}" * 20
    assert expand_word(ok, {}) == "x"
    # variables_in is iterative: no limit at all
    assert len(variables_in("${A:-" * 2000 + "}" * 2000)) == 2000


# --------------------------------------------------------------------------
# expand_detailed (ported from TestProcessWithMatches & friends)


@pytest.mark.parametrize(
    "word,env,expected,matched,unmatched",
    [
        ("x", {"DUMMY": "dummy"}, "x", set(), set()),
        ("x ${UNUSED}", {"DUMMY": "dummy"}, "x ", set(), {"UNUSED"}),
        ("x ${FOO}", {"FOO": "y"}, "x y", {"FOO"}, set()),
        ("${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", {"FOO": "xxx", "BAR": ""}, "xxx  ccc", {"FOO", "BAR"}, {"BAZ"}),
        ("${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", {"FOO": "xxx", "BAR": ""}, "xxx bbb ccc", {"FOO", "BAR"}, {"BAZ"}),
        ("${FOO:-}", {"FOO": "xxx", "BAR": ""}, "xxx", {"FOO"}, set()),
        ("${FOO:-}", {}, "", set(), {"FOO"}),
        ("${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", {"FOO": "xxx", "BAR": ""}, "aaa bbb ", {"FOO", "BAR"}, {"BAZ"}),
        ("${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", {"FOO": "xxx", "BAR": ""}, "aaa  ", {"FOO", "BAR"}, {"BAZ"}),
        ("${FOO?aaa}", {"FOO": "xxx", "BAR": ""}, "xxx", {"FOO"}, set()),
        ("${BAR?bbb}", {"FOO": "xxx", "BAR": ""}, "", {"BAR"}, set()),
        ("${FOO:?aaa}", {"FOO": "xxx", "BAR": ""}, "xxx", {"FOO"}, set()),
        ("${FOO#()[]{\\}^$.\\*\\?|\\\\}", {"FOO": "()[]{}^$.*?|\\x"}, "x", {"FOO"}, set()),
        ("${FOO%%\\**}", {"FOO": "xx**"}, "xx", {"FOO"}, set()),
        ("${FOO#*x*y}", {"FOO": "xxyy"}, "y", {"FOO"}, set()),
        ("${FOO#*}", {"FOO": "xxyy"}, "xxyy", {"FOO"}, set()),
        ("${FOO#$BAR}", {"FOO": "xxyy", "BAR": "x"}, "xyy", {"FOO", "BAR"}, set()),
        ("${FOO#$BAR}", {"FOO": "xxyy", "BAR": ""}, "xxyy", {"FOO", "BAR"}, set()),
        ("${FOO#}", {"FOO": "xxyy"}, "xxyy", {"FOO"}, set()),
        ("${FOO##*x}", {"FOO": "xxyy"}, "yy", {"FOO"}, set()),
        ("${FOO##}", {"FOO": "xxyy"}, "xxyy", {"FOO"}, set()),
        ("${FOO#?\\?}", {"FOO": "???y"}, "?y", {"FOO"}, set()),
        ("${ABC:-.}${FOO%x}${ABC:-.}", {"FOO": "xxyy"}, ".xxyy.", {"FOO"}, {"ABC"}),
        ("${FOO%%\\**\\*}", {"FOO": "a***yy*"}, "a", {"FOO"}, set()),
        ("${FOO%}", {"FOO": "xxyy"}, "xxyy", {"FOO"}, set()),
        ("${FOO%%$BAR}", {"FOO": "xxyy", "BAR": ""}, "xxyy", {"FOO", "BAR"}, set()),
        (
            "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}",
            {"FOO": "/foo*/*/*.txt", "NEEDLE": "\\*/"},
            "/foo.*/*.txt - /foo..*.txt",
            {"FOO", "NEEDLE"},
            set(),
        ),
        (
            "${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}",
            {"FOO": "/tmp/tmp/bar.txt", "NEEDLE": "/tmp"},
            "/tmp/bar.txt - /bar.txt",
            {"FOO", "NEEDLE"},
            set(),
        ),
        (
            "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
            {"FOO": "/a/foo/b/c.txt", "NEEDLE": "/?/", "REPLACEMENT": "/"},
            "/foo/b/c.txt - /foo/c.txt",
            {"FOO", "NEEDLE", "REPLACEMENT"},
            set(),
        ),
        (
            "${FOO/$NEEDLE/$REPLACEMENT}",
            {"FOO": "http://google.de", "NEEDLE": "http://", "REPLACEMENT": "https://"},
            "https://google.de",
            {"FOO", "NEEDLE", "REPLACEMENT"},
            set(),
        ),
        ("${FOO//\\//\\/}", {"FOO": "/tmp/foo.txt"}, "\\/tmp\\/foo.txt", {"FOO"}, set()),
        ("${FOO/$BAR/ww}", {"FOO": "xxyy", "BAR": ""}, "wwxxyy", {"FOO", "BAR"}, set()),
        ("${FOO///}", {"FOO": "xxyy"}, "xxyy", {"FOO"}, set()),
        ("${FOO///}", {}, "", set(), {"FOO"}),
        # positional / special names are looked up (and never set)
        ("$1${@}x", {}, "x", set(), {"1", "@"}),
        # an empty name (${%}, ${+x}) is looked up by BuildKit but not reported here
        ("${%}${+x}${/a/b}", {}, "", set(), set()),
        # the word of a modifier is always processed, even when unused
        ("${PWD:-$NOPE}", {"PWD": "/"}, "/", {"PWD"}, {"NOPE"}),
    ],
)
def test_expand_detailed(word, env, expected, matched, unmatched):
    value, referenced, unset = expand_detailed(word, env)
    assert value == expected
    assert referenced == matched | unmatched
    assert unset == unmatched


@pytest.mark.parametrize(
    "word,env",
    [
        ("${BAZ?ccc}", {"FOO": "xxx", "BAR": ""}),
        ("${BAR:?bbb}", {"FOO": "xxx", "BAR": ""}),
        ("${BAZ:?ccc}", {"FOO": "xxx", "BAR": ""}),
        ("${BAZ:?}", {"FOO": "xxx", "BAR": ""}),
        ("${FOO=aaa}", {"FOO": "xxx", "BAR": ""}),
        ("${FOO=:aaa}", {"FOO": "xxx", "BAR": ""}),
        ("${FOO=}", {}),
        ("${FOO//ww}", {"FOO": "xxyy"}),
        ("${FOO//}", {"FOO": "xxyy"}),
    ],
)
def test_expand_detailed_errors(word, env):
    with pytest.raises(ExpandError):
        expand_detailed(word, env)


def test_mandatory_env_vars():
    # TestShellParserMandatoryEnvVars
    set_env = {"VAR": "plain", "ARG": "x"}
    empty_env = {"VAR": "", "ARG": "x"}
    unset_env = {"ARG": "x"}
    no_empty = "${VAR:?message here$ARG}"
    no_unset = "${VAR?message here$ARG}"
    assert expand_word(no_empty, set_env) == "plain"
    for env in (empty_env, unset_env):
        with pytest.raises(ExpandError, match="message herex"):
            expand_word(no_empty, env)
    assert expand_word(no_unset, set_env) == "plain"
    assert expand_word(no_unset, empty_env) == ""
    with pytest.raises(ExpandError, match="VAR: message herex"):
        expand_word(no_unset, unset_env)


def test_platform_release_name():
    # TestProcessWithMatchesPlatform
    release = "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz"
    env = {"VERSION": "v1.2.3", "TARGETOS": "linux", "TARGETARCH": "arm", "TARGETVARIANT": "v7"}
    value, referenced, unset = expand_detailed(release, env)
    assert value == "something-v1.2.3.linux-arm-v7.tar.gz"
    assert referenced == set(env) and not unset
    env.pop("TARGETVARIANT")
    value, referenced, unset = expand_detailed(release, env)
    assert value == "something-v1.2.3.linux-arm.tar.gz"
    assert unset == {"TARGETVARIANT"}


def test_callable_env():
    calls = []

    def lookup(name):
        calls.append(name)
        return {"A": "1", "E": ""}.get(name)

    value, referenced, unset = expand_detailed("$A-${E:-e}-${U-u}-$U", lookup)
    assert value == "1-e-u-"
    assert referenced == {"A", "E", "U"}
    assert unset == {"U"}
    assert "A" in calls and "U" in calls
    assert expand_word("$X", None) == ""


def test_case_insensitive():
    env = {"Path": "/bin", "path": "/exact"}
    assert expand_word("$PATH", env) == ""
    assert expand_word("$PATH", env, case_insensitive=True) in ("/bin", "/exact")
    assert expand_word("$path", env, case_insensitive=True) == "/exact"  # exact match wins
    value, referenced, unset = expand_detailed("${pAtH}${nope}", {"PATH": "x"}, case_insensitive=True)
    assert (value, referenced, unset) == ("x", {"pAtH", "nope"}, {"nope"})
    assert expand_words("$A", {"a": "1 2"}, case_insensitive=True) == ["1", "2"]


def test_go_replace_all_semantics():
    # Go's ReplaceAllString skips an empty match right after a match (Python's re.sub does not)
    assert expand_word("${V//*/-}", {"V": "abc"}) == "-"
    assert expand_word("${V//*/-}", {"V": "a\nb"}) == "-\n-"  # '.' never matches a newline
    assert expand_word("${V//$E/-}", {"V": "ab", "E": ""}) == "-a-b-"
    # ReplaceAll expands $0 / $$ in the replacement (Go regexp template), replace-first does not
    assert expand_word("${V//b/'$0$0'}", {"V": "abcb"}) == "abbcbb"
    assert expand_word("${V//b/'${0}'}", {"V": "abc"}) == "abc"
    assert expand_word("${V//b/'$$'}", {"V": "abc"}) == "a$c"
    assert expand_word("${V//b/'$x'}", {"V": "abc"}) == "ac"
    assert expand_word("${V//b/'$'}", {"V": "abc"}) == "a$c"
    assert expand_word("${V//b/'${x'}", {"V": "abc"}) == "a${xc"
    assert expand_word("${V/b/'$0'}", {"V": "abc"}) == "a$0c"


def test_trim_patterns():
    env = {"F": "dir/sub/file.tar.gz", "S": "a*b?c"}
    assert expand_word("${F#*/}", env) == "sub/file.tar.gz"
    assert expand_word("${F##*/}", env) == "file.tar.gz"
    assert expand_word("${F%.*}", env) == "dir/sub/file.tar"
    assert expand_word("${F%%.*}", env) == "dir/sub/file"
    assert expand_word("${F%/*}", env) == "dir/sub"
    assert expand_word("${F#nomatch}", env) == env["F"]
    assert expand_word("${S#a\\*}", env) == "b?c"
    assert expand_word("${S%\\?c}", env) == "a*b"
    assert expand_word("${S/\\?/!}", env) == "a*b!c"
    assert expand_word("${F/\\//:}", env) == "dir:sub/file.tar.gz"
    assert expand_word("${F//\\//:}", env) == "dir:sub:file.tar.gz"
    # regex metacharacters are literal
    assert expand_word("${V#(a|b)+}", {"V": "(a|b)+x"}) == "x"
    assert expand_word("${UNSET#x}", {}) == ""


def test_reverse_pattern():
    cases = {"a\\*c": "c\\*a", "\\\\\\ab": "b\\a\\\\", "ab\\": "\\ba", "👽\\🚀🖖": "🖖\\🚀👽", "\\\\b": "b\\\\"}
    for pattern, expected in cases.items():
        assert _expand_mod._reverse_pattern(pattern) == expected


def test_special_and_unicode_names():
    env = {"ÄBC": "umlaut", "_x1": "u", "٣": "no"}
    assert expand_word("$ÄBC-$_x1.", env) == "umlaut-u."
    assert expand_word("$a-b", {"a": "A"}) == "A-b"
    assert expand_word("$٣x", env) == "nox"  # a non-ASCII decimal digit starts a positional name
    assert expand_word("$²", {}) == "$²"  # '²' is not a digit for Go (category No)
    assert expand_word("$$$", {}) == "$"  # $$ is a special name, then a literal '$'
    assert expand_word("a$", {}) == "a$"


def test_quotes_and_escapes_in_modifier_words():
    assert expand_word('${X:-"a b"}', {}) == "a b"
    assert expand_word("${X:-'}'}", {}) == "}"
    assert expand_word("${X:-a\\}b}", {}) == "a}b"
    assert expand_words('${X:-"a  b"}', {}) == ["a", "b"]  # whole expansion result is split
    assert expand_words('"${X:-a  b}"', {}) == ["a  b"]
    assert expand_words('a "" b', {}) == ["a", "b"]  # empty words vanish
    assert expand_words('""', {}) == []
    assert expand_words("a\\ b c", {}) == ["a b", "c"]
    assert expand_words("$V", {"V": " x\u3000y\x1cz "}) == ["x", "y\x1cz"]  # Go's IsSpace set


def test_leading_bom_is_skipped_like_text_scanner():
    assert expand_word("\ufeff$A", {"A": "1"}) == "1"
    assert expand_word("\ufeffplain", {}) == "plain"
    assert expand_word("a\ufeff", {}) == "a\ufeff"


# --------------------------------------------------------------------------
# custom escape character


def test_backtick_escape():
    env = {"PWD": "/home"}
    bt = "`"
    assert expand_word("he`$PWD", env, bt) == "he$PWD"
    assert expand_word("he``$PWD", env, bt) == "he`/home"
    assert expand_word("C:\\path\\$PWD", env, bt) == "C:\\path\\/home"  # backslash is literal
    assert expand_word('"a`"b"', env, bt) == 'a"b'
    assert expand_word('"a`xb"', env, bt) == "a`xb"
    assert expand_word('"a\\"', env, bt) == "a\\"
    assert expand_word("hello`", env, bt) == "hello"
    assert expand_word("he`'llo", env, bt) == "he'llo"
    assert expand_words("a` b c", env, bt) == ["a b", "c"]
    assert expand_word("${X:-a`}b}", env, bt) == "a}b"
    assert expand_detailed("`$A $B", {}, bt) == ("$A ", {"B"}, {"B"})
    assert unquote('`"x`" "a`"b" \\q', bt) == '"x" a"b \\q'
    assert variables_in("`$A $B '$C' \"`$D$E\"", bt) == [("B", 4, 6), ("E", 16, 18)]
    assert expand_word("'x`'", env, bt) == "x`"  # no escapes in single quotes
    with pytest.raises(ExpandError):
        expand_word("'x", env, bt)
    with pytest.raises(ValueError):
        expand_word("x", env, "ab")


# --------------------------------------------------------------------------
# unquote


@pytest.mark.parametrize(
    "text,expected",
    [
        ("plain", "plain"),
        ('"x y"', "x y"),
        ("'x y'", "x y"),
        ("a\\ b", "a b"),
        ('"$PATH:/x"', "$PATH:/x"),
        ("$HOME/${X:-y}", "$HOME/${X:-y}"),
        ('"he\\$PWD"', "he$PWD"),
        ('"a\\tb"', "a\\tb"),
        ("a\\tb", "atb"),
        ("'a\\tb'", "a\\tb"),
        ('"it\'s"', "it's"),
        ("hello\\", "hello"),
        ("hello\\\\", "hello\\"),
        ('"a\\"b"', 'a"b'),
        ('"a\\\\"', "a\\"),
        # unbalanced quotes: best effort, the rest is kept verbatim
        ('a"b c', 'a"b c'),
        ("x'y'z 'open", "xyz 'open"),
        ('"a" "open\\"', 'a "open\\"'),
        ("", ""),
    ],
)
def test_unquote(text, expected):
    assert unquote(text) == expected


# --------------------------------------------------------------------------
# variables_in


@pytest.mark.parametrize(
    "text,expected",
    [
        ("", []),
        ("no vars", []),
        ("$A", [("A", 0, 2)]),
        ("x${AB}y", [("AB", 1, 6)]),
        ("$A-b", [("A", 0, 2)]),
        ("${A:-$B}", [("A", 0, 8), ("B", 5, 7)]),
        ("${A:-${B:-c}}d", [("A", 0, 13), ("B", 5, 12)]),
        ("${A/$P/${R}}", [("A", 0, 12), ("P", 4, 6), ("R", 7, 11)]),
        ("'$A' \\$B \"$C\" \"\\$D\" \"\\\\$E\"", [("C", 10, 12), ("E", 23, 25)]),
        ("${A:-'}'}$B", [("A", 0, 9), ("B", 9, 11)]),
        ('${A:-"}"}', [("A", 0, 9)]),
        ("$1 $@ ${#}", [("1", 0, 2), ("@", 3, 5), ("#", 6, 10)]),
        ("$ $. ${} ${:-x} ${.}", []),
        ("${A", [("A", 0, 3)]),
        ("${A:-$B", [("A", 0, 7), ("B", 5, 7)]),
        ("'unterminated $A", []),
        ('"unterminated $A', [("A", 14, 16)]),
        ("${A=x}", [("A", 0, 6)]),
        ("안녕$KOREAN!", [("KOREAN", 2, 9)]),
    ],
)
def test_variables_in(text, expected):
    assert variables_in(text) == expected


def test_variables_in_offsets_point_at_names():
    text = 'ENV_X="${HOME:-/root}/$USER" ${A#b}'
    for name, start, end in variables_in(text):
        assert text[start] == "$"
        name_at = start + 2 if text[start + 1] == "{" else start + 1
        assert text[name_at:name_at + len(name)] == name
        assert start < end <= len(text)


# --------------------------------------------------------------------------
# hypothesis

_SPECIALS = list("$$${{}}}:'\"\\`-+?#%/*@!0123 \t\nabAB_é한\ufeff")
_weird_text = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(_SPECIALS), max_size=40),
    st.lists(
        st.sampled_from(["${", "}", "$", "A", ":-", ":+", ":?", "?", "#", "##", "%", "%%", "/", "//",
                         "'", '"', "\\", "`", " ", "*", "\\*", "1", "@", "x y", ":", "=", "{"]),
        max_size=25,
    ).map("".join),
)
_ENV = {"A": "a b*c", "B": "", "AB": "$A\\*/", "é": "é"}


@settings(max_examples=600, deadline=None)
@given(_weird_text, st.sampled_from(["\\", "`"]), st.booleans())
def test_never_raises_anything_but_expand_error(text, escape, ci):
    try:
        value, referenced, unset = expand_detailed(text, _ENV, escape, case_insensitive=ci)
    except ExpandError as e:
        assert e.message
        with pytest.raises(ExpandError):
            expand_word(text, _ENV, escape, case_insensitive=ci)
        with pytest.raises(ExpandError):
            expand_words(text, _ENV, escape, case_insensitive=ci)
    else:
        assert isinstance(value, str)
        assert unset <= referenced
        assert expand_word(text, _ENV, escape, case_insensitive=ci) == value
        words = expand_words(text, _ENV, escape, case_insensitive=ci)
        assert all(isinstance(w, str) and w for w in words)
        # variables_in finds exactly the names the expander looked up
        assert {name for name, _, _ in variables_in(text, escape)} == referenced
        if "$" not in text:
            # without expansions, unquote is exactly quote removal
            assert unquote(text, escape) == value
    # the tolerant helpers never raise
    assert isinstance(unquote(text, escape), str)
    for name, start, end in variables_in(text, escape):
        assert text[start] == "$" and start < end <= len(text)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_callable_env_never_raises_anything_but_expand_error(text):
    try:
        expand_words(text, lambda name: None if len(name) % 2 else name)
    except ExpandError:
        pass

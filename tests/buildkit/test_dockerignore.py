"""rules/_dockerignore.py against moby/patternmatcher's own tests.

Cases carried over from moby/patternmatcher at 5a6d8429a19b
(patternmatcher_test.go: TestMatches and its multi-pattern cases with
MatchesOrParentMatches, TestMatch's filepath.Match cases with the package-level
Matches, TestCompile's match types and regexps, the Clean*/exclusion tests;
ignorefile/ignorefile_test.go: TestReadAll), plus BuildKit's context-root rule
for CopyIgnoredFile (dockerfile2llb/validations.go).
"""
from __future__ import annotations

import pytest

from dockwise.rules._dockerignore import (DockerIgnore, PatternError, PatternMatcher, _compile, candidates,
                                          load_for, read_all)

# TestMatches (pattern, text, pass), Linux cases included
MATCHES = [
    ("**", "file", True), ("**", "file/", True), ("**/", "file", True), ("**/", "file/", True),
    ("**", "/", True), ("**/", "/", True), ("**", "dir/file", True), ("**/", "dir/file", True),
    ("**", "dir/file/", True), ("**/", "dir/file/", True), ("**/**", "dir/file", True),
    ("**/**", "dir/file/", True), ("dir/**", "dir/file", True), ("dir/**", "dir/file/", True),
    ("dir/**", "dir/dir2/file", True), ("dir/**", "dir/dir2/file/", True), ("**/dir", "dir", True),
    ("**/dir", "dir/file", True), ("**/dir2/*", "dir/dir2/file", True), ("**/dir2/*", "dir/dir2/file/", True),
    ("**/dir2/**", "dir/dir2/dir3/file", True), ("**/dir2/**", "dir/dir2/dir3/file/", True),
    ("**file", "file", True), ("**file", "dir/file", True), ("**/file", "dir/file", True),
    ("**file", "dir/dir/file", True), ("**/file", "dir/dir/file", True), ("**/file*", "dir/dir/file", True),
    ("**/file*", "dir/dir/file.txt", True), ("**/file*txt", "dir/dir/file.txt", True),
    ("**/file*.txt", "dir/dir/file.txt", True), ("**/file*.txt*", "dir/dir/file.txt", True),
    ("**/**/*.txt", "dir/dir/file.txt", True), ("**/**/*.txt2", "dir/dir/file.txt", False),
    ("**/*.txt", "file.txt", True), ("**/**/*.txt", "file.txt", True), ("a**/*.txt", "a/file.txt", True),
    ("a**/*.txt", "a/dir/file.txt", True), ("a**/*.txt", "a/dir/dir/file.txt", True),
    ("a/*.txt", "a/dir/file.txt", False), ("a/*.txt", "a/file.txt", True), ("a/*.txt**", "a/file.txt", True),
    ("a[b-d]e", "ae", False), ("a[b-d]e", "ace", True), ("a[b-d]e", "aae", False), ("a[^b-d]e", "aze", True),
    (".*", ".foo", True), (".*", "foo", False), ("abc.def", "abcdef", False), ("abc.def", "abc.def", True),
    ("abc.def", "abcZdef", False), ("abc?def", "abcZdef", True), ("abc?def", "abcdef", False),
    ("a\\\\", "a\\", True), ("**/foo/bar", "foo/bar", True), ("**/foo/bar", "dir/foo/bar", True),
    ("**/foo/bar", "dir/dir2/foo/bar", True), ("abc/**", "abc", False), ("abc/**", "abc/def", True),
    ("abc/**", "abc/def/ghi", True), ("**/.foo", ".foo", True), ("**/.foo", "bar.foo", False),
    ("a(b)c/def", "a(b)c/def", True), ("a(b)c/def", "a(b)c/xyz", False), ("a.|)$(}+{bc", "a.|)$(}+{bc", True),
    ("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
     "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", True),
    ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", True),
    ("a\\*b", "a*b", True),
]
MULTI = [
    (["**", "!util/docker/web"], "util/docker/web/foo", False),
    (["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", True),
    (["**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"],
     "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", False),
    (["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", False),
]
# TestMatch: Go's filepath.Match cases through the package-level Matches (None: ErrBadPattern)
MATCH = [
    ("abc", "abc", True), ("*", "abc", True), ("*c", "abc", True), ("a*", "a", True), ("a*", "abc", True),
    ("a*", "ab/c", True), ("a*/b", "abc/b", True), ("a*/b", "a/c/b", False), ("a*b*c*d*e*/f", "axbxcxdxe/f", True),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/f", True), ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", False),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", False), ("a*b?c*x", "abxbbxdbxebxczzx", True),
    ("a*b?c*x", "abxbbxdbxebxczzy", False), ("ab[c]", "abc", True), ("ab[b-d]", "abc", True),
    ("ab[e-g]", "abc", False), ("ab[^c]", "abc", False), ("ab[^b-d]", "abc", False), ("ab[^e-g]", "abc", True),
    ("a\\*b", "a*b", True), ("a\\*b", "ab", False), ("a?b", "a☺b", True), ("a[^a]b", "a☺b", True),
    ("a???b", "a☺b", False), ("a[^a][^a][^a]b", "a☺b", False), ("[a-ζ]*", "α", True), ("*[a-ζ]", "A", False),
    ("a?b", "a/b", False), ("a*b", "a/b", False), ("[\\]a]", "]", True), ("[\\-]", "-", True),
    ("[x\\-]", "x", True), ("[x\\-]", "-", True), ("[x\\-]", "z", False), ("[\\-x]", "x", True),
    ("[\\-x]", "-", True), ("[\\-x]", "a", False), ("[]a]", "]", None), ("[-]", "-", None), ("[x-]", "x", None),
    ("[x-]", "-", None), ("[x-]", "z", None), ("[-x]", "x", None), ("[-x]", "-", None), ("[-x]", "a", None),
    ("\\", "a", None), ("[a-b-c]", "a", None), ("[", "a", None), ("[^", "a", None), ("[^bc", "a", None),
    ("a[", "a", None), ("a[", "ab", None), ("*x", "xxx", True),
]
# TestCompile: (pattern, match type, Go regexp for "/")
COMPILE = [
    ("*", "regexp", r"^[^/]*$"), ("file*", "regexp", r"^file[^/]*$"), ("*file", "regexp", r"^[^/]*file$"),
    ("a*/b", "regexp", r"^a[^/]*/b$"), ("**", "suffix", None), ("**/**", "regexp", r"^(.*/)?.*$"),
    ("dir/**", "prefix", None), ("**/dir", "suffix", None), ("**/dir2/*", "regexp", r"^(.*/)?dir2/[^/]*$"),
    ("**/dir2/**", "regexp", r"^(.*/)?dir2/.*$"), ("**file", "suffix", None),
    ("**/file*txt", "regexp", r"^(.*/)?file[^/]*txt$"), ("**/**/*.txt", "regexp", r"^(.*/)?(.*/)?[^/]*\.txt$"),
    ("a[b-d]e", "regexp", r"^a[b-d]e$"), (".*", "regexp", r"^\.[^/]*$"), ("abc.def", "exact", None),
    ("abc?def", "regexp", r"^abc[^/]def$"), ("**/foo/bar", "suffix", None), ("a(b)c/def", "exact", None),
    ("a.|)$(}+{bc", "exact", None), ("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", "exact", None),
]


@pytest.mark.parametrize("pattern,text,ok", MATCHES)
def test_matches_or_parent_matches(pattern, text, ok):
    assert PatternMatcher([pattern]).matches_or_parent_matches(text) is ok


@pytest.mark.parametrize("patterns,text,ok", MULTI)
def test_multi_pattern(patterns, text, ok):
    assert PatternMatcher(patterns).matches_or_parent_matches(text) is ok


@pytest.mark.parametrize("pattern,text,ok", MATCH)
def test_filepath_match_cases(pattern, text, ok):
    if ok is None:
        with pytest.raises(PatternError):
            PatternMatcher([pattern])
    else:
        assert PatternMatcher([pattern]).matches(text) is ok


@pytest.mark.parametrize("pattern,kind,regexp", COMPILE)
def test_compile(pattern, kind, regexp):
    assert _compile(pattern) == (kind, regexp)


def test_package_matches_edge_cases():
    assert PatternMatcher(["*"]).matches("fileutils.go")
    assert PatternMatcher(["*.go"]).matches("fileutils.go")
    assert PatternMatcher(["!fileutils.go", "*.go"]).matches("fileutils.go")
    assert not PatternMatcher(["docs", "!docs/README.md"]).matches("docs/README.md")
    assert not PatternMatcher(["docs/", "!docs/README.md"]).matches("docs/README.md")
    assert not PatternMatcher(["docs/*", "!docs/README.md"]).matches("docs/README.md")
    assert not PatternMatcher(["*.go", "!fileutils.go"]).matches("fileutils.go")
    assert not PatternMatcher(["*.go"]).matches(".")
    assert not PatternMatcher([]).matches("/any/path/there")
    with pytest.raises(PatternError):
        PatternMatcher(["!"])


def test_clean_patterns_and_exclusions():
    assert len(PatternMatcher(["docs", "config", ""]).patterns) == 2
    # New skips a blank pattern anywhere and goes on with the next
    assert [p.cleaned for p in PatternMatcher(["docs", "  ", "config"]).patterns] == ["docs", "config"]
    assert PatternMatcher(["docs", "!docs/README.md"]).exclusions
    assert PatternMatcher(["docs", "  !docs/README.md"]).exclusions
    assert PatternMatcher(["docs", "!docs/README.md  "]).exclusions
    with pytest.raises(PatternError):  # passes filepath.Match, fails as a regexp (moby/moby#52203)
        PatternMatcher(["[Local-Only]/"])


def test_read_all():
    assert read_all("") == []
    content = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! "
    assert read_all(content) == ["test1", "test2", "a/file/here", "lastfile", "!inverted/abs/path", "!", "!"]
    assert read_all("\ufeffa\r\nb/../c\r\n") == ["a", "c"]


def test_copy_ignored_context_root():
    """validateCopySourcePath: '.' and '/' only count for '*', '**' or '**/*';
    nothing is checked when the file has exceptions."""
    assert DockerIgnore("x", ["*"]).ignores(".")
    assert DockerIgnore("x", ["**/*"]).ignores("/")
    assert not DockerIgnore("x", [".*"]).ignores(".")
    assert not DockerIgnore("x", ["**", "!Dockerfile"]).ignores("secret.txt")
    assert DockerIgnore("x", ["Dockerfile"]).ignores("./Dockerfile")
    assert DockerIgnore("x", ["node_modules"]).ignores("node_modules/lodash/index.js")
    assert not DockerIgnore("x", ["*/tmp/*"]).ignores("./tmp/helloworld.txt")
    assert DockerIgnore("x", ["*/tmp/*"]).ignores("src/tmp/cache.bin")


def test_which_file(tmp_path):
    """<Dockerfile>.dockerignore next to the Dockerfile wins over the context's."""
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / ".dockerignore").write_text("a\n")
    df = tmp_path / "app.Dockerfile"
    assert candidates(str(df), str(ctx)) == [str(tmp_path / "app.Dockerfile.dockerignore"), str(ctx / ".dockerignore")]
    got = load_for(str(df), str(ctx))
    assert got is not None and got.ignores("a")
    (tmp_path / "app.Dockerfile.dockerignore").write_text("b\n")
    got = load_for(str(df), str(ctx))
    assert got is not None and got.ignores("b") and not got.ignores("a")
    (tmp_path / "app.Dockerfile.dockerignore").write_text("[\n")  # malformed: BuildKit fails; no checks
    assert load_for(str(df), str(ctx)) is None
    assert load_for(None, None) is None


def test_errors_say_what_go_says():
    with pytest.raises(PatternError, match='^illegal exclusion pattern: "!"$'):
        PatternMatcher(["!"])


def test_an_ignore_file_at_the_size_limit_is_read_to_its_last_byte(tmp_path):
    from dockwise.rules._dockerignore import MAX_BYTES

    last = "\nsecret.txt"
    (tmp_path / ".dockerignore").write_bytes(b"#" + b"x" * (MAX_BYTES - 1 - len(last)) + last.encode())
    assert (tmp_path / ".dockerignore").stat().st_size == MAX_BYTES
    got = load_for(str(tmp_path / "Dockerfile"), str(tmp_path))
    assert got is not None and got.ignores("secret.txt")
    # one byte more is too large: no checks
    (tmp_path / ".dockerignore").write_bytes(b"#" + b"x" * (MAX_BYTES - len(last)) + last.encode())
    assert load_for(str(tmp_path / "Dockerfile"), str(tmp_path)) is None

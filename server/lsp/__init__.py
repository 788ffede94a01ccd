"""The language server: the only layer that imports the LSP libraries.

asyncio imports :mod:`ssl` for TLS transports, which this server never opens
(stdio, or plain TCP with ``--tcp``); loading it (libssl) was ~6 ms of the
~70 ms from the server's start to its answer to ``initialize``. asyncio is
written for Pythons built without ssl: imported here while ``ssl`` cannot be
imported, it takes TLS as unavailable. ``ssl`` itself is importable again at
once, for the parts that use it (the registry client's HTTPS,
:mod:`dockwise.images.http`). Nothing changes when something imported asyncio
or ssl before this package.
"""
import sys as _sys

if "asyncio" not in _sys.modules and "ssl" not in _sys.modules:
    _sys.modules["ssl"] = None  # type: ignore[assignment]  # an import of ssl raises ImportError
    try:
        import asyncio as _asyncio  # noqa: F401
    finally:
        del _sys.modules["ssl"]

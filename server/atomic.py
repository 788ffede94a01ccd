"""Replace a file's content atomically: a temporary file in the same folder,
then ``os.replace``. Readers see the old or the new content, never a part.
Standard library only (the server's start-up path imports it)."""
from __future__ import annotations

import os
import stat
import tempfile


def write_atomic(path: "str | os.PathLike[str]", data: bytes, *, mode: int | None = None,
                 fsync: bool = False, make_dirs: bool = False) -> None:
    """Write ``data`` to ``path`` atomically. A symlink stays a symlink (its
    target is replaced). ``mode``: the new file's permissions; default: the
    existing file's, else 0o600 (cache files are private). Raises OSError."""
    target = os.path.realpath(os.fspath(path))
    folder = os.path.dirname(target) or "."
    if make_dirs:
        os.makedirs(folder, exist_ok=True)
    if mode is None:
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except FileNotFoundError:
            mode = 0o600
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(target) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise

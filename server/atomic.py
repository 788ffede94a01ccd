"""Files dockwise writes and reads on its own behalf: caches (atomic, never
through a link) and the user's files that ``fix``/``format`` rewrite (in
place). Standard library only (the server's start-up path imports it).

Cache files (:func:`write_atomic`, :func:`read_regular`, :func:`prune`)
    Written to a temporary file in the same folder (``O_EXCL``, mode 0600),
    then renamed over the name: readers see the old or the new content, never
    a part. The name is never followed: when it exists as a symlink, FIFO,
    socket, device or directory the write is refused (``OSError``) and
    nothing is touched. Reads open with ``O_NOFOLLOW | O_NONBLOCK`` and check
    the open descriptor: a regular file (a FIFO never blocks the reader), at
    most ``limit`` bytes, optionally owned by this user and not writable by
    others. :func:`private_dir` makes (or checks) a cache folder that only this
    user can write.

The user's files (:func:`write_in_place`)
    The file keeps its inode, owner, mode and hard links; a file whose
    permission bits allow no write (0444) is refused even for root, and
    anything that is not a regular file is refused.
"""
from __future__ import annotations

import errno
import os
import stat
import tempfile

O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
O_BINARY = getattr(os, "O_BINARY", 0)


class NotRegularFile(OSError):
    """The path exists but is not a regular file (symlink, FIFO, device, folder…)."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "not a regular file"


def _refuse(path: str, mode: int) -> NotRegularFile:
    return NotRegularFile(errno.EPERM, f"refusing to use {_kind(mode)}", path)


def _uid() -> int | None:
    return os.getuid() if hasattr(os, "getuid") else None


def private_dir(path: "str | os.PathLike[str]", *, create: bool = True) -> bool:
    """True when ``path`` is a folder (not a link) owned by this user that no
    one else can write, creating it (0700, with its parents) when missing."""
    p = os.fspath(path)
    if create:
        try:
            os.makedirs(p, mode=0o700, exist_ok=True)
        except OSError:
            return False
    try:
        st = os.lstat(p)
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode):
        return False
    uid = _uid()
    if uid is None:  # Windows: no POSIX owner or mode bits to check (the folder is in the user's profile)
        return True
    if st.st_uid != uid:
        return False
    return not (st.st_mode & 0o022)


def write_atomic(path: "str | os.PathLike[str]", data: bytes, *, mode: int = 0o600,
                 fsync: bool = False, make_dirs: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (a cache file). The name is never
    followed: an existing symlink, FIFO, device, socket or folder there is
    refused with :class:`NotRegularFile` and left alone. Raises OSError."""
    target = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(target) or "."
    if make_dirs:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        pass
    else:
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(target, st.st_mode)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(target) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
            if hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), mode)
        if not hasattr(os, "fchmod"):  # pragma: no cover - Windows
            os.chmod(tmp, mode)
        # a link planted after the check above is replaced, not followed:
        # rename never follows its destination
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_regular(path: "str | os.PathLike[str]", limit: int, *, private: bool = False) -> bytes:
    """The content of a regular file of at most ``limit`` bytes, opened
    without following a symlink and without blocking on a FIFO. ``private``:
    the file must also belong to this user and not be writable by others.
    Raises OSError (:class:`NotRegularFile` for the wrong kind of file)."""
    p = os.fspath(path)
    if not O_NOFOLLOW:  # pragma: no cover - Windows: check the name first
        st = os.lstat(p)
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(p, st.st_mode)
    try:
        fd = os.open(p, os.O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_BINARY)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW on a symlink
            raise NotRegularFile(errno.ELOOP, "refusing to use a symbolic link", p) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(p, st.st_mode)
        uid = _uid()
        if private and uid is not None and (st.st_uid != uid or st.st_mode & 0o022):
            raise OSError(errno.EPERM, "not a private file of this user", p)
        if st.st_size > limit:
            raise OSError(errno.EFBIG, f"larger than {limit} bytes", p)
        chunks: list[bytes] = []
        got = 0
        while got <= limit:
            b = os.read(fd, min(1 << 20, limit + 1 - got))
            if not b:
                break
            chunks.append(b)
            got += len(b)
        if got > limit:
            raise OSError(errno.EFBIG, f"larger than {limit} bytes", p)
        return b"".join(chunks)
    finally:
        os.close(fd)


def prune(folder: "str | os.PathLike[str]", *, match, keep: int | None = None, max_bytes: int | None = None,
          protect: "set[str] | frozenset[str]" = frozenset()) -> list[str]:
    """Delete the oldest files (by mtime) of ``folder`` whose name ``match``
    accepts until at most ``keep`` of them remain and they add up to at most
    ``max_bytes``. Names in ``protect`` are kept. Only regular files are
    considered (links are never followed). Returns the names removed."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    files: list[tuple[float, str, int]] = []
    for name in names:
        if not match(name):
            continue
        try:
            st = os.lstat(os.path.join(folder, name))
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            files.append((st.st_mtime, name, st.st_size))
    files.sort(reverse=True)  # newest first
    removed: list[str] = []
    total = 0
    kept = 0
    for _mtime, name, size in files:
        over = (keep is not None and kept >= keep) or (max_bytes is not None and total + size > max_bytes)
        if over and name not in protect:
            try:
                os.unlink(os.path.join(folder, name))
                removed.append(name)
            except OSError:
                pass
            continue
        kept += 1
        total += size
    return removed


def write_in_place(path: "str | os.PathLike[str]", data: bytes, *, fsync: bool = True) -> None:
    """Rewrite the user's file ``path`` in place: same inode (hard links see
    the new text), owner and mode. Refused (``PermissionError``) when its
    permission bits allow nobody to write it (0444), even for root; refused
    (:class:`NotRegularFile`) for anything but a regular file. The space is
    reserved before the first byte changes where the system can, so a full
    disk fails before the file is touched. Raises OSError."""
    p = os.fspath(path)
    fd = os.open(p, os.O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_BINARY)
    try:
        st = os.fstat(fd)
    finally:
        os.close(fd)
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(p, st.st_mode)
    if not st.st_mode & 0o222:
        raise PermissionError(errno.EACCES, "the file is read-only (no write permission)", p)
    # (for other users the system's own permission check refuses the open)
    fd = os.open(p, os.O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_BINARY)
    try:
        st2 = os.fstat(fd)
        if (st2.st_dev, st2.st_ino) != (st.st_dev, st.st_ino) or not stat.S_ISREG(st2.st_mode):
            raise OSError(errno.EAGAIN, "the file changed while it was being written", p)
        if len(data) > st2.st_size and hasattr(os, "posix_fallocate"):
            try:
                os.posix_fallocate(fd, 0, len(data))
            except OSError as exc:
                if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, getattr(errno, "ENOTSUP", -1)):
                    raise
        os.lseek(fd, 0, os.SEEK_SET)
        view = memoryview(data)
        off = 0
        while off < len(view):
            n = os.write(fd, view[off:])
            if n <= 0:  # pragma: no cover
                raise OSError(errno.EIO, "short write", p)
            off += n
        os.ftruncate(fd, len(data))
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)

"""Reading input files without hanging, exhausting memory or leaving the tree.

Every file msgarch reads on its own account (a file found by walking a directory, an
include, a profile) must be a regular file: a FIFO would block forever and a device such
as /dev/zero never ends. A file named on the command line may also be a pipe (`<(...)`),
read up to the same bound. Errors are OSErrors whose ``strerror`` says what is wrong, so
callers word them like any unreadable file.
"""

from __future__ import annotations

import errno
import os
import stat

#: The largest source file read (a model of 100,000 flows is about 12 MB).
MAX_SOURCE_BYTES = 64 * 1024 * 1024
#: The largest profile file read (the built-in ones are under 20 KB).
MAX_PROFILE_BYTES = 1024 * 1024

_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class NotRegularFile(OSError):
    """A FIFO, a device or a socket where a file was expected."""


class FileTooLarge(OSError):
    """More bytes than the bound."""


def _kind(mode: int) -> str:
    return next((word for test, word in _KINDS if test(mode)), "not a regular file")


def read_bytes(path: str, limit: int = MAX_SOURCE_BYTES, regular_only: bool = True) -> bytes:
    """The bytes of ``path``; NotRegularFile, FileTooLarge, IsADirectoryError or another OSError."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)  # non-blocking: opening a FIFO with no writer does not wait
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", path)
        if not stat.S_ISREG(info.st_mode):
            if regular_only:
                raise NotRegularFile(errno.EINVAL, f"it is {_kind(info.st_mode)}, not a regular file", path)
            os.set_blocking(fd, True)
        elif info.st_size > limit:
            raise FileTooLarge(errno.EFBIG, f"it is larger than {limit // (1024 * 1024)} MB", path)
        chunks = []
        size = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise FileTooLarge(errno.EFBIG, f"it is larger than {limit // (1024 * 1024)} MB", path)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_stream(stream, limit: int = MAX_SOURCE_BYTES) -> bytes:
    """At most ``limit`` bytes of a binary stream (stdin); FileTooLarge beyond."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(errno.EFBIG, f"it is larger than {limit // (1024 * 1024)} MB", "-")
    return data


def inside(real_path: str, real_root: str) -> bool:
    return real_path == real_root or real_path.startswith(real_root.rstrip(os.sep) + os.sep)


def leaves(path: str, root: str) -> bool:
    """Whether symbolic links lead ``path`` out of the directory ``root``."""
    return not inside(os.path.realpath(path), os.path.realpath(root))

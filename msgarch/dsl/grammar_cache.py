"""The compiled grammar, cached where only the user running msgarch can write it.

lark's own ``cache=True`` unpickles a file from the shared temporary directory under a
predictable name, so a file planted there by another local user runs code as whoever runs
msgarch next. Here the LALR tables are pickled into a per-user cache directory
(``$XDG_CACHE_HOME/msgarch``, else ``~/.cache/msgarch``), created with mode 0700, and a
cache file is loaded only when the directory and the file, both opened without following
symbolic links, are owned by the current user and writable by nobody else. Anything
doubtful, and any failure, means compiling the grammar afresh (about 60 ms) instead.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys

#: Options lark lets a loaded parser take (lark.lark._LOAD_ALLOWED_OPTIONS): not saved.
_RUNTIME_OPTIONS = ("postlex", "transformer", "lexer_callbacks", "use_bytes", "debug", "g_regex_flags",
                    "regex", "propagate_positions", "tree_class", "_plugins")
_PREFIX = "grammar-"
_SUFFIX = ".pickle"


def cache_directory() -> str | None:
    """Where the user's cache lives (not created here); None without a home directory."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base or not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not home or home == "~" or not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "msgarch")


def cache_key(grammar: str, options: dict) -> str:
    import lark

    text = "\0".join((grammar, repr(sorted(options.items())), lark.__version__, sys.version))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _trusted(info: os.stat_result, kind) -> bool:
    """Owned by the current user, of the expected kind, writable by no one else."""
    return kind(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _open_directory(path: str, create: bool) -> int | None:
    """A descriptor of the cache directory when it can be trusted, else None."""
    if create:
        try:
            os.makedirs(path, mode=0o700, exist_ok=True)
        except OSError:
            return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        if _trusted(os.fstat(fd), stat.S_ISDIR):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def load(grammar: str, options: dict, runtime: dict):
    """The compiled parser: from the user's cache when a trusted entry exists, else
    compiled (and saved for the next run when the cache directory can be trusted)."""
    from lark import Lark

    directory = cache_directory()
    name = _PREFIX + cache_key(grammar, options) + _SUFFIX
    usable = directory and hasattr(os, "O_NOFOLLOW") and os.open in os.supports_dir_fd
    fd = _open_directory(directory, create=True) if usable else None
    if fd is None:
        return Lark(grammar, **options, **runtime)
    try:
        cached = _read(fd, name)
        if cached is not None:
            try:
                return Lark.__new__(Lark)._load(cached, **runtime)
            except Exception:  # noqa: BLE001 - a stale or damaged entry: compile instead
                pass
        parser = Lark(grammar, **options, **runtime)
        _write(fd, name, parser)
        return parser
    finally:
        os.close(fd)


def _read(dir_fd: int, name: str):
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0), dir_fd=dir_fd)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        try:
            if not _trusted(os.fstat(handle.fileno()), stat.S_ISREG):
                return None
            return pickle.load(handle)
        except Exception:  # noqa: BLE001 - unreadable or damaged: compile instead
            return None


def _write(dir_fd: int, name: str, parser) -> None:
    """Save atomically (a private temporary file renamed into place); drop older grammars."""
    temporary = f".{name}.{os.getpid()}.tmp"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=dir_fd)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            parser.save(handle, _RUNTIME_OPTIONS)
        os.replace(temporary, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except Exception:  # noqa: BLE001 - a cache that cannot be written is only slower
        try:
            os.unlink(temporary, dir_fd=dir_fd)
        except OSError:
            pass
        return
    try:
        for entry in os.listdir(dir_fd):
            if entry.startswith(_PREFIX) and entry.endswith(_SUFFIX) and entry != name:
                os.unlink(entry, dir_fd=dir_fd)
    except OSError:
        pass

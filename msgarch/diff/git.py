"""Read architecture files from git revisions; the only module that runs `git`."""

from __future__ import annotations

import os
import posixpath
import re
import subprocess

_HASH = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


def _commit(rev: str) -> str:
    """Later git commands take only a resolved commit hash (never a name that could be an option)."""
    if not _HASH.fullmatch(rev):
        raise GitError(f"internal: {rev!r} is not a resolved commit hash")
    return rev


class GitError(Exception):
    """git is missing, the directory is not a repository, or git refused (its message kept)."""


def run_git(args: list[str], cwd: str = ".") -> bytes:
    """Run one git command and return its stdout; GitError with git's own message otherwise."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False,
                              env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    except FileNotFoundError:
        raise GitError("git is not installed (needed to read REV:PATH)") from None
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror or exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {' '.join(args)} failed ({done.returncode})")
    return done.stdout


def toplevel(cwd: str = ".") -> str:
    return run_git(["rev-parse", "--show-toplevel"], cwd).decode("utf-8").strip()


def prefix(cwd: str = ".") -> str:
    """The current directory relative to the top of the work tree ("" at the top, "sub/" below)."""
    return run_git(["rev-parse", "--show-prefix"], cwd).decode("utf-8").strip()


def resolve_revision(rev: str, cwd: str = ".") -> str:
    """The hash of the commit ``rev`` names (GitError when it names none)."""
    return run_git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
                   cwd).decode().strip()


def show(rev: str, path: str, cwd: str = ".") -> bytes:
    """The bytes of ``path`` (relative to the top of the work tree) at ``rev``.

    FileNotFoundError when the revision has no such file, so the loader reports it like a
    missing file; GitError for anything else.
    """
    try:
        return run_git(["show", f"{_commit(rev) if rev else ''}:{path}"], cwd)
    except GitError as exc:
        text = str(exc)
        if "does not exist" in text or "exists on disk, but not in" in text:
            raise FileNotFoundError(path) from None
        raise


def files_at(rev: str, cwd: str = ".") -> list[str]:
    """Every file of ``rev``, relative to the top of the work tree."""
    out = run_git(["ls-tree", "-r", "-z", "--name-only", "--full-tree", _commit(rev), "--"], cwd)
    return sorted(p for p in out.decode("utf-8").split("\0") if p)


def work_tree_files(cwd: str = ".") -> list[str]:
    """Every tracked or untracked-but-not-ignored file present in the work tree (top-relative)."""
    out = run_git(["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--full-name"],
                  toplevel(cwd))
    top = toplevel(cwd)
    return sorted(p for p in set(out.decode("utf-8").split("\0"))
                  if p and os.path.isfile(os.path.join(top, p)))


def changed_since(rev: str, cwd: str = ".") -> list[str]:
    """Files that differ between ``rev`` and the work tree, plus untracked ones (top-relative)."""
    top = toplevel(cwd)
    tracked = run_git(["diff", "--name-only", "-z", "--no-renames", _commit(rev), "--"], top)
    untracked = run_git(["ls-files", "-z", "--others", "--exclude-standard", "--full-name"], top)
    names = set(tracked.decode("utf-8").split("\0")) | set(untracked.decode("utf-8").split("\0"))
    return sorted(posixpath.normpath(n) for n in names if n)

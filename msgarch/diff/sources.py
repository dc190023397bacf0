"""Where the two architectures come from: files, `REV:PATH` read from git, or every changed root.

`REV:PATH` follows git: PATH is relative to the top of the work tree, or to the current
directory when it starts with `./` or `../`. Includes are read at the same revision.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass

from msgarch.diagnostics import InputError, Span, input_error
from msgarch.api import load_one
from msgarch.diff import git
from msgarch.model.loader import STDIN_PATH, load_model, read_file
from msgarch.model.model import Model


@dataclass(frozen=True)
class Loaded:
    """One side, loaded: its model, where it came from, and whether the file exists there."""

    model: Model
    label: str
    absent: bool = False


def _git_failure(where: str, error: git.GitError) -> InputError:
    return InputError([input_error("E001", f"cannot read '{where}' from git: {error}", Span.point(where))])


def git_reader(commit: str, top: str, label: str | None = None):
    """A loader ``reader`` that reads top-relative paths at ``commit`` (a resolved hash, or
    "" for the index); errors name the revision as the user wrote it (``label``)."""

    def read(path: str) -> bytes:
        try:
            return git.show(commit, path, top)
        except git.GitError as error:
            raise _git_failure(f"{commit if label is None else label}:{path}", error) from None

    return read


def work_tree_reader(top: str):
    """A loader ``reader`` for top-relative paths in the work tree; no link may lead outside it."""
    real_top = os.path.realpath(top)

    def read(path: str) -> bytes:
        full = os.path.join(top, path)
        real = os.path.realpath(full)
        if real != real_top and not real.startswith(real_top.rstrip(os.sep) + os.sep):
            raise PermissionError(13, "it leads outside the repository")
        return read_file(full)

    return read


def check_revision(rev: str, cwd: str = ".") -> tuple[str, str]:
    """(the top of the work tree, the commit ``rev`` names); InputError when there is no
    repository or no such revision. Only the commit's hash is passed to later git commands:
    a ref named like an option (`--output=FILE`) must never reach them."""
    try:
        top = git.toplevel(cwd)
    except git.GitError as error:
        raise InputError([input_error("E001", f"cannot use revision '{rev}': {error}", None)]) from None
    try:
        return top, git.resolve_revision(rev, top)
    except git.GitError:
        raise InputError([input_error("E001", f"'{rev}' is not a revision of the repository at {top}",
                                      None, "give a branch, a tag or a commit, e.g. HEAD~1 or origin/main")]) from None


def is_revision_path(argument: str) -> bool:
    """`REV:PATH` (not a file of that name, not stdin)."""
    return argument != STDIN_PATH and ":" in argument and not os.path.exists(argument)


def load_side(argument: str, stdin_text: str | None = None, cwd: str = ".") -> Loaded:
    """One side given on the command line: a file, `-`, or `REV:PATH`."""
    if not is_revision_path(argument):
        if argument != STDIN_PATH and os.path.isdir(argument):
            raise InputError([input_error("E001", f"'{argument}' is a directory; diff takes two files "
                                          "(or --base REV for every changed file)", Span.point(argument))])
        return Loaded(load_one(argument, stdin_text), argument)
    rev, path = argument.split(":", 1)
    if not path:
        raise InputError([input_error("E001", f"'{argument}' names no file after the colon", Span.point(argument))])
    commit = ""  # ":PATH" is the index, as in git
    if rev:
        top, commit = check_revision(rev, cwd)
    else:
        try:
            top = git.toplevel(cwd)
        except git.GitError as error:
            raise _git_failure(argument, error) from None
    if path.startswith(("./", "../")):
        try:
            path = posixpath.normpath(posixpath.join(git.prefix(cwd), path))
        except git.GitError as error:
            raise _git_failure(argument, error) from None
    path = posixpath.normpath(path)
    model = load_model(path, reader=git_reader(commit, top, rev), check_real_paths=False)
    return Loaded(model, f"{rev}:{path}")


def empty_model(path: str) -> Model:
    return load_model(path, text="")


@dataclass(frozen=True)
class ChangedRoot:
    """A root file whose model changed since the base revision (top-relative path)."""

    path: str
    at_base: bool  # the file exists at the base revision
    in_work_tree: bool  # the file exists in the work tree


def _roots(files: list[str], load) -> tuple[list[str], dict[str, set[str]]]:
    """The files no other one includes, and every file each root reads."""
    reads: dict[str, set[str]] = {}
    for path in files:
        try:
            reads[path] = set(load(path).files)
        except InputError:
            reads[path] = {path}
    included = {f for path, names in reads.items() for f in names if f != path}
    return [p for p in files if p not in included], reads


def changed_roots(rev: str, restrict: tuple[str, ...] = (), cwd: str = ".") -> list[ChangedRoot]:
    """Every root `.msgarch` file whose model (the file or anything it includes) changed
    between ``rev`` and the work tree; ``restrict``: only under these files or directories."""
    top, commit = check_revision(rev, cwd)
    try:
        changed = {p for p in git.changed_since(commit, top) if p.endswith(".msgarch")}
        if not changed:
            return []
        old_files = [p for p in git.files_at(commit, top) if p.endswith(".msgarch")]
        new_files = [p for p in git.work_tree_files(top) if p.endswith(".msgarch")]
    except git.GitError as error:
        raise _git_failure(rev, error) from None
    old_reader, new_reader = git_reader(commit, top, rev), work_tree_reader(top)
    old_roots, old_reads = _roots(old_files, lambda p: load_model(p, reader=old_reader, check_real_paths=False))
    new_roots, new_reads = _roots(new_files, lambda p: load_model(p, reader=new_reader, check_real_paths=False))
    wanted = [_top_relative(p, top) for p in restrict]
    out = []
    for root in sorted(set(old_roots) | set(new_roots)):
        reads = old_reads.get(root, set()) | new_reads.get(root, set())
        if not reads & changed:
            continue
        if wanted and not any(w in (".", root) or root.startswith(w.rstrip("/") + "/") for w in wanted):
            continue
        out.append(ChangedRoot(root, root in old_reads, root in new_reads))
    return out


def _top_relative(path: str, top: str) -> str:
    return posixpath.normpath(os.path.relpath(os.path.abspath(path), top).replace(os.sep, "/"))


def load_changed(root: ChangedRoot, rev: str, top: str, commit: str) -> tuple[Loaded, Loaded]:
    """Both sides of one changed root (``commit``: the hash ``rev`` resolved to, the only
    form git is given); a side where the file does not exist is an empty model."""
    if root.at_base:
        old = Loaded(load_model(root.path, reader=git_reader(commit, top, rev), check_real_paths=False),
                     f"{rev}:{root.path}")
    else:
        old = Loaded(empty_model(root.path), f"{rev}:{root.path} (absent)", absent=True)
    if root.in_work_tree:
        new = Loaded(load_model(root.path, reader=work_tree_reader(top), check_real_paths=False), root.path)
    else:
        new = Loaded(empty_model(root.path), f"{root.path} (deleted)", absent=True)
    return old, new

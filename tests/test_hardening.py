"""Issue 13: no code runs from a shared cache, nothing is read or written outside the tree,
bad input is a located error with exit 2. Each test reproduces one attack from the issue."""

from __future__ import annotations

import os
import pickle
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SMALL = textwrap.dedent("""\
    broker bus : rabbitmq
    component a
    component b
    message M { size 1KB }
    flow a -> b : M { via bus  rate 10/s }
    """)


def msgarch(*args, cwd=None, env=None, input=None, timeout=60):
    """Run msgarch as a separate process, as a hook or CI would."""
    return subprocess.run([sys.executable, "-m", "msgarch", *map(str, args)], cwd=cwd, input=input,
                          capture_output=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


class _Payload:
    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (self.marker,)


def _payload(marker: Path) -> bytes:
    return b"0\n" + pickle.dumps(_Payload(str(marker)))


# -- 1. grammar cache ------------------------------------------------------------------

def test_no_grammar_cache_is_read_from_the_shared_temp_dir(tmp_path):
    """A pickle planted in the temp directory under the name lark's cache=True uses is not run."""
    shared = tmp_path / "tmp"
    shared.mkdir()
    model = tmp_path / "a.msgarch"
    model.write_text(SMALL)
    # the file name lark's own cache would use for this grammar and these options
    subprocess.run([sys.executable, "-c", textwrap.dedent("""\
        from importlib import resources
        from lark import Lark
        from msgarch.dsl.parser import grammar_text

        grammar = grammar_text()
        Lark(grammar, parser="lalr", lexer="contextual", keep_all_tokens=True, cache=True)
        """)], check=True, env={**os.environ, "TMPDIR": str(shared), "PYTHONPATH": str(ROOT)})
    planted = list(shared.glob(".lark*"))
    assert planted
    marker = tmp_path / "pwned"
    for path in planted:
        path.write_bytes(_payload(marker))
    done = msgarch("check", model, env={"TMPDIR": str(shared), "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stderr
    assert not marker.exists()
    assert sorted(p.name for p in shared.iterdir()) == sorted(p.name for p in planted)  # nothing written there
    cache = tmp_path / "cache" / "msgarch"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert [p.name for p in cache.iterdir() if p.name.startswith("grammar-")]


def _cached_entry(tmp_path: Path) -> Path:
    model = tmp_path / "a.msgarch"
    model.write_text(SMALL)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert msgarch("check", model, env=env).returncode == 0
    (entry,) = (tmp_path / "cache" / "msgarch").glob("grammar-*.pickle")
    return entry


@pytest.mark.parametrize("spoil", ["other owner", "group writable", "symlink", "directory of another user",
                                   "world-writable directory"])
def test_a_cache_entry_the_user_does_not_own_is_never_loaded(tmp_path, spoil):
    entry = _cached_entry(tmp_path)
    marker = tmp_path / "pwned"
    if spoil == "symlink":
        elsewhere = tmp_path / "planted.pickle"
        elsewhere.write_bytes(_payload(marker))
        entry.unlink()
        entry.symlink_to(elsewhere)
    else:
        entry.write_bytes(_payload(marker))
    if spoil == "other owner":
        if os.geteuid() != 0:
            pytest.skip("changing a file's owner needs root")
        os.chown(entry, 65534, 65534)
    elif spoil == "group writable":
        entry.chmod(0o620)
    elif spoil == "directory of another user":
        if os.geteuid() != 0:
            pytest.skip("changing a directory's owner needs root")
        os.chown(entry.parent, 65534, 65534)
    elif spoil == "world-writable directory":
        entry.parent.chmod(0o777)
    done = msgarch("check", tmp_path / "a.msgarch", env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stderr
    assert not marker.exists()


def test_a_damaged_cache_entry_is_replaced(tmp_path):
    entry = _cached_entry(tmp_path)
    entry.write_bytes(b"not a pickle")
    done = msgarch("check", tmp_path / "a.msgarch", env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stderr
    assert entry.read_bytes() != b"not a pickle"


def test_no_home_means_no_cache_but_still_works(tmp_path):
    model = tmp_path / "a.msgarch"
    model.write_text(SMALL)
    done = msgarch("check", model, env={"XDG_CACHE_HOME": "", "HOME": str(model)},
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr


# -- 2. symbolic links in a scanned tree -------------------------------------------------

SECRET = "https://user:hunter2-token@github.com"


@pytest.fixture
def secret(tmp_path):
    outside = tmp_path / "home" / ".git-credentials"
    outside.parent.mkdir()
    outside.write_text(SECRET + "\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "main.msgarch").write_text(SMALL)
    return repo, outside


def test_walking_a_tree_does_not_follow_a_link_out_of_it(secret):
    repo, outside = secret
    (repo / "leak.msgarch").symlink_to(outside)
    done = msgarch("lint", ".", cwd=repo)
    assert done.returncode == 2
    assert "hunter2" not in (done.stdout + done.stderr).decode()
    assert b"leak.msgarch' is a symbolic link leading outside" in done.stdout + done.stderr


def test_walking_a_tree_does_not_read_dev_zero(secret):
    repo, _ = secret
    (repo / "zero.msgarch").symlink_to("/dev/zero")
    done = msgarch("lint", ".", cwd=repo, timeout=30)
    assert done.returncode == 2
    assert b"zero.msgarch" in done.stdout + done.stderr


def test_a_link_inside_the_tree_is_still_read(secret):
    repo, _ = secret
    (repo / "sub").mkdir()
    (repo / "sub" / "alias.msgarch").symlink_to(repo / "main.msgarch")
    done = msgarch("check", ".", cwd=repo)
    assert done.returncode == 0, done.stderr


def test_an_explicit_link_out_of_its_directory_is_not_read(secret):
    """What a shell glob in CI (`msgarch lint arch/*.msgarch`) passes."""
    repo, outside = secret
    (repo / "leak.msgarch").symlink_to(outside)
    for command in ("lint", "plan", "render"):
        extra = ("-o", "-", "--format", "dot") if command == "render" else ()
        done = msgarch(command, "leak.msgarch", *extra, cwd=repo)
        assert done.returncode == 2, (command, done.stderr)
        assert "hunter2" not in (done.stdout + done.stderr).decode(), command


@pytest.mark.parametrize("how", ["file", "stdin"])
def test_an_include_through_a_link_out_of_the_tree_is_refused(secret, how):
    repo, outside = secret
    (repo / "passwd.msgarch").symlink_to(outside)
    source = 'use "passwd.msgarch"\n' + SMALL
    if how == "file":
        (repo / "root.msgarch").write_text(source)
        done = msgarch("lint", "root.msgarch", cwd=repo)
    else:
        done = msgarch("lint", "-", cwd=repo, input=source.encode())
    assert done.returncode == 2
    assert "hunter2" not in (done.stdout + done.stderr).decode()
    assert b"leaves the directory" in done.stdout + done.stderr


def test_a_profile_through_a_link_out_of_the_tree_is_refused_from_stdin(secret):
    repo, outside = secret
    (repo / "p.json").symlink_to(outside)
    source = SMALL.replace("broker bus : rabbitmq", 'broker bus : rabbitmq { profile "p.json" }')
    done = msgarch("lint", "-", cwd=repo, input=source.encode())
    assert done.returncode == 2
    assert "hunter2" not in (done.stdout + done.stderr).decode()
    assert b"leaves the directory" in done.stdout + done.stderr


# -- 4. resource bombs: FIFOs, devices, long lines, YAML aliases ---------------------------

@pytest.mark.parametrize("where", ["include", "profile", "walked"])
def test_a_fifo_is_not_read(tmp_path, where):
    name = {"include": "inc.msgarch", "profile": "p.yaml", "walked": "fifo.msgarch"}[where]
    os.mkfifo(tmp_path / name)
    source = SMALL
    if where == "include":
        source = 'use "inc.msgarch"\n' + SMALL
    elif where == "profile":
        source = SMALL.replace("broker bus : rabbitmq", 'broker bus : rabbitmq { profile "p.yaml" }')
    (tmp_path / "root.msgarch").write_text(source)
    done = msgarch("lint", "." if where == "walked" else "root.msgarch", cwd=tmp_path, timeout=30)
    assert done.returncode == 2, done.stderr
    assert b"named pipe, not a regular file" in done.stdout + done.stderr
    assert b"Traceback" not in done.stderr


def test_a_pipe_named_on_the_command_line_is_read(tmp_path):
    done = subprocess.run(["bash", "-c", f'{sys.executable} -m msgarch check <(cat root.msgarch)'],
                          cwd=tmp_path, capture_output=True, timeout=30,
                          env={**os.environ, "PYTHONPATH": str(ROOT)},
                          input=None) if (tmp_path / "root.msgarch").write_text(SMALL) else None
    assert done.returncode == 0, done.stderr


# -- 3. git argument injection --------------------------------------------------------------

@pytest.fixture
def hostile_repo(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.email=a@example.com", "-c", "user.name=a"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    (repo / "trading.msgarch").write_text(SMALL)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "one"], cwd=repo, check=True)
    (repo / "trading.msgarch").write_text(SMALL.replace("10/s", "20/s"))

    def ref(name: str) -> None:
        subprocess.run(["git", "update-ref", f"refs/heads/{name}", "HEAD"], cwd=repo, check=True)

    return repo, ref


def test_a_base_ref_named_like_an_option_writes_nothing(hostile_repo, tmp_path):
    repo, ref = hostile_repo
    target = tmp_path / "written-by-git"
    ref(f"--output={target}")
    done = msgarch("diff", "--base", f"--output={target}", cwd=repo)
    assert not target.exists()
    assert done.returncode in (0, 1), done.stderr
    assert b"rate" in done.stdout


def test_a_rev_path_named_like_an_option_writes_nothing(hostile_repo):
    repo, ref = hostile_repo
    ref("--output=pwned")
    done = msgarch("diff", "--", "--output=pwned:trading.msgarch", "trading.msgarch", cwd=repo)
    assert not (repo / "pwned:trading.msgarch").exists() and not (repo / "pwned").exists()
    assert done.returncode in (0, 1), done.stderr
    assert b"--output=pwned:trading.msgarch" in done.stdout


BOMB = textwrap.dedent("""\
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
    """)


def _with_profile(tmp_path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    root = tmp_path / "root.msgarch"
    root.write_text(SMALL.replace("broker bus : rabbitmq", f'broker bus : rabbitmq {{ profile "{name}" }}'))
    return root


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path):
    root = _with_profile(tmp_path, "bomb.yaml", BOMB)
    done = msgarch("lint", root, timeout=20)
    assert done.returncode == 2
    assert b"alias (*a) is not allowed in a profile" in done.stdout + done.stderr


def test_a_ten_million_character_line_is_refused_at_once(tmp_path):
    root = tmp_path / "long.msgarch"
    root.write_text('component a { description "' + "x" * 10_000_000 + '" }\n')
    done = msgarch("check", root, timeout=20)
    assert done.returncode == 2
    out = (done.stdout + done.stderr).decode()
    assert "long.msgarch:1:1: error: line 1 is 10,000,030 characters long" in out
    assert len(out) < 1000


def test_dev_zero_as_a_root_file_is_bounded(tmp_path):
    done = subprocess.run(["bash", "-c", f"ulimit -v 1500000; exec {sys.executable} -m msgarch check /dev/zero"],
                          capture_output=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2, done.stderr
    assert b"larger than 64 MB" in done.stdout + done.stderr


# -- 5. terminal and annotation injection -----------------------------------------------

ESCAPES = "\x1b[2J\x1b[H\x1b]0;owned\x07All checks passed\u202e"


@pytest.mark.parametrize("where", ["comment", "string"])
def test_escape_sequences_in_source_are_a_located_error(tmp_path, where):
    line = f"# {ESCAPES}\n" if where == "comment" else f'component z {{ description "{ESCAPES}" }}\n'
    root = tmp_path / "a.msgarch"
    root.write_text(SMALL + line)
    for output in ("text", "concise", "json", "github", "sarif"):
        done = msgarch("lint", root, "--format", output)
        assert done.returncode == 2
        assert b"\x1b" not in done.stdout + done.stderr and b"\x07" not in done.stdout
        assert "\u202e".encode() not in done.stdout
    assert f"a.msgarch:6:{3 if where == 'comment' else 28}: error: control character U+001B".encode() \
        in msgarch("lint", root).stdout


@pytest.mark.parametrize("text", ["\x1b]0;owned\x07", "\u202e", "\ud800"])
def test_profile_text_with_control_characters_is_refused(tmp_path, text):
    import json

    profile = json.dumps({"id": "rabbitmq", "notes": [f"fine{text}"]})
    root = _with_profile(tmp_path, "p.yaml", profile)
    done = msgarch("lint", root)
    assert done.returncode == 2, done.stderr
    assert b"profile text may not contain control" in done.stdout
    assert b"\x1b" not in done.stdout and b"Traceback" not in done.stderr


def test_a_newline_in_a_file_name_forges_no_workflow_command(tmp_path):
    root = tmp_path / "x\n::error file=forged.msgarch::All good\n.msgarch"
    root.write_text(SMALL + "component lonely\n")
    for output in ("text", "concise", "github"):
        done = msgarch("lint", ".", "--format", output, cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert b"contains the control character U+000A" in done.stdout
        assert not [line for line in done.stdout.splitlines() if line.startswith(b"::error file=forged")], output


@pytest.mark.parametrize("command", ["plan", "recommend", "diff", "lint", "render"])
def test_a_file_name_with_escapes_reaches_no_output(tmp_path, command):
    name = "a\x1b]0;owned\x07\x1b[2J.msgarch"
    (tmp_path / name).write_text(SMALL)
    extra = {"diff": (name,), "render": ("-o", "-", "--format", "dot")}.get(command, ())
    done = msgarch(command, name, *extra, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert b"\x1b" not in done.stdout + done.stderr and b"\x07" not in done.stdout + done.stderr


def test_the_renderers_neutralise_bidi_overrides():
    from msgarch.render.text import clean, dot_html, html_text, mermaid_text

    for escape in (clean, dot_html, html_text, mermaid_text):
        out = escape("a\u202eb\u2066c\x1bd")
        assert "\u202e" not in out and "#8238;" not in out and "&#8238;" not in out and "\x1b" not in out


# -- 8. exit 3 where 2 is promised -----------------------------------------------------------

def test_a_profile_nested_2000_levels_is_a_clear_error(tmp_path):
    root = _with_profile(tmp_path, "deep.json", '{"id": "rabbitmq", "notes": ' + "[" * 2000 + "]" * 2000 + "}")
    done = msgarch("lint", root)
    assert done.returncode == 2, done.stderr
    assert b"nested more than" in done.stdout


def test_a_profile_nested_2000_levels_in_yaml_is_a_clear_error(tmp_path):
    root = _with_profile(tmp_path, "deep.yaml", "id: rabbitmq\nnotes: " + "[" * 2000 + "]" * 2000 + "\n")
    done = msgarch("lint", root)
    assert done.returncode == 2, done.stderr


def test_an_include_chain_of_a_thousand_files_loads(tmp_path):
    for i in range(1000):
        use = f'use "f{i + 1}.msgarch"\n' if i < 999 else ""
        (tmp_path / f"f{i}.msgarch").write_text(use + f"component c{i}\n")
    done = msgarch("check", tmp_path / "f0.msgarch")
    assert done.returncode == 0, done.stderr
    assert b"1000 files" in done.stdout


def test_a_chain_of_400_request_reply_flows_is_linted():
    from msgarch.analysis.load import flow_latency
    from msgarch.model.loader import load_model

    lines = ["broker bus : rabbitmq", *[f"component c{i} {{ capacity 1000/s }}" for i in range(401)],
             "message M { size 1KB }",
             *[f"flow c{i} -> c{i + 1} : M {{ via bus  pattern request-reply  rate 1/s }}" for i in range(400)]]
    model = load_model("-", text="\n".join(lines) + "\n")
    estimate = flow_latency(model, model.flows[0], {}, {"bus": 0.001})
    assert sum(part.name.startswith("reply hop") for part in estimate.parts) == 400


def test_a_non_utf8_file_name_in_sarif(tmp_path):
    name = os.fsdecode(b"caf\xe9.msgarch")
    (tmp_path / name).write_text(SMALL + "component lonely\n")
    done = msgarch("lint", ".", "--format", "sarif", cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr
    assert b"caf%E9.msgarch" in done.stdout


def test_closed_stdin_and_a_full_disk(tmp_path):
    root = tmp_path / "a.msgarch"
    root.write_text(SMALL)
    closed = subprocess.run(["bash", "-c", f"exec {sys.executable} -m msgarch lint - <&-"], capture_output=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert closed.returncode == 2 and b"cannot read stdin: stdin is closed" in closed.stdout + closed.stderr
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "msgarch", "lint", str(root)], stdout=full,
                              stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2 and b"cannot write the output: No space left on device" in done.stderr


def test_a_non_utf8_output_encoding(tmp_path):
    root = tmp_path / "a.msgarch"
    root.write_text(SMALL + "component lonely\n")
    done = msgarch("plan", root, env={"PYTHONIOENCODING": "ascii"})
    assert done.returncode in (0, 1), done.stderr
    done = msgarch("lint", root, env={"PYTHONIOENCODING": "ascii"})
    assert done.returncode in (0, 1), done.stderr


def test_no_usable_temporary_directory(tmp_path):
    root = tmp_path / "a.msgarch"
    root.write_text(SMALL)
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    done = msgarch("lint", root, env={"TMPDIR": str(blocked), "XDG_CACHE_HOME": str(tmp_path / "c")})
    assert done.returncode == 0, done.stderr


# -- 6. writes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["trading.msgarch", "part.msgarch", "./trading.msgarch", "hard.msgarch"])
def test_render_never_overwrites_an_input(tmp_path, target):
    (tmp_path / "part.msgarch").write_text("component lonely\n")
    (tmp_path / "trading.msgarch").write_text('use "part.msgarch"\n' + SMALL)
    os.link(tmp_path / "trading.msgarch", tmp_path / "hard.msgarch")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for force in ((), ("--force",)):
        done = msgarch("render", "trading.msgarch", "-o", target, "--format", "dot", *force, cwd=tmp_path)
        assert done.returncode == 2
        assert b"it is an input of this run" in done.stderr
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_render_does_not_follow_a_link_out_of_the_tree_without_force(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "trading.msgarch").write_text(SMALL)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (repo / "out.dot").symlink_to(victim)
    done = msgarch("render", "trading.msgarch", "-o", "out.dot", cwd=repo)
    assert done.returncode == 2 and b"symbolic link leading outside" in done.stderr
    assert victim.read_text() == "precious"
    done = msgarch("render", "trading.msgarch", "-o", "out.dot", "--force", cwd=repo)
    assert done.returncode == 0 and victim.read_text().startswith("//")


def test_diff_render_never_overwrites_an_input(tmp_path):
    (tmp_path / "old.msgarch").write_text(SMALL)
    (tmp_path / "new.msgarch").write_text(SMALL.replace("10/s", "20/s"))
    os.link(tmp_path / "new.msgarch", tmp_path / "new.dot")  # the same file under a name --render takes
    done = msgarch("diff", "old.msgarch", "new.msgarch", "--render", "new.dot", cwd=tmp_path)
    assert done.returncode == 2 and b"it is an input of this run" in done.stderr
    assert (tmp_path / "new.msgarch").read_text() == SMALL.replace("10/s", "20/s")


# -- 7. silent data loss ---------------------------------------------------------------------

def test_an_unlistable_subdirectory_is_reported_not_skipped(tmp_path):
    """A subdirectory the user may not list. Root may list anything, so as root the run
    happens in a forked child that has dropped to `nobody` (everything it imports is
    imported first, by the same run on a readable tree: the interpreter's own files may
    be out of nobody's reach)."""
    import tempfile

    from click.testing import CliRunner

    from msgarch.cli.main import cli

    def lint_here() -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["lint", "."], catch_exceptions=False)
        return result.exit_code, result.output

    tree = Path(tempfile.mkdtemp(prefix="msgarch-walk-"))
    old = os.getcwd()
    try:
        tree.chmod(0o755)
        (tree / "ok.msgarch").write_text(SMALL)
        (tree / "ok.msgarch").chmod(0o644)
        (tree / "locked").mkdir()
        (tree / "locked" / "hidden.msgarch").write_text("this is not msgarch\n")
        os.chdir(tree)
        lint_here()  # warm: every module the run needs is imported now
        (tree / "locked").chmod(0o000)
        if os.geteuid() != 0:
            code, output = lint_here()
        else:
            read, write = os.pipe()
            child = os.fork()
            if child == 0:  # pragma: no cover - runs in the child
                try:
                    os.setgroups([])
                    os.setgid(65534)
                    os.setuid(65534)
                    code, output = lint_here()
                    os.write(write, f"{code}\n{output}".encode())
                finally:
                    os._exit(0)
            os.close(write)
            with os.fdopen(read, "rb") as pipe:
                data = pipe.read().decode()
            os.waitpid(child, 0)
            code, output = int(data.split("\n", 1)[0]), data.split("\n", 1)[1]
        assert code == 2, output
        assert "cannot list the directory './locked': Permission denied" in output
        assert "All checks passed" not in output
    finally:
        os.chdir(old)
        (tree / "locked").chmod(0o700)
        import shutil

        shutil.rmtree(tree)


def test_configuration_above_the_repository_root_is_not_used(tmp_path):
    (tmp_path / ".msgarch.toml").write_text('ignore = ["S"]\nfail-on = "never"\n')
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "arch").mkdir()
    (repo / "arch" / "a.msgarch").write_text(SMALL.replace("via bus", "via nowhere"))
    done = msgarch("lint", "arch", "--verbose", cwd=repo)
    assert done.returncode == 1, done.stdout
    assert b"S001" in done.stdout
    assert b"msgarch: configuration: none found" in done.stderr


def test_configuration_search_stops_at_a_pyproject_without_msgarch(tmp_path):
    (tmp_path / ".msgarch.toml").write_text('ignore = ["S"]\n')
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (project / "a.msgarch").write_text(SMALL.replace("via bus", "via nowhere"))
    done = msgarch("lint", "a.msgarch", "-v", cwd=project)
    assert done.returncode == 1 and b"S001" in done.stdout


def test_verbose_names_the_configuration_used(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".msgarch.toml").write_text('ignore = ["S003"]\n')
    (tmp_path / "a.msgarch").write_text(SMALL)
    done = msgarch("lint", "a.msgarch", "--verbose", cwd=tmp_path)
    assert f"msgarch: configuration: '{tmp_path / '.msgarch.toml'}'".encode() in done.stderr


# -- 9. large DOT, reproducible PDF ---------------------------------------------------------------

needs_dot = pytest.mark.skipif(not __import__("shutil").which("dot"), reason="Graphviz `dot` is not installed")


def test_short_ids_keep_a_flow_with_450_long_consumers_drawable(tmp_path):
    from msgarch.model.loader import load_model
    from msgarch.render import build_scene

    names = [f"consumer-service-number-{i:05d}-abcd" for i in range(450)]
    lines = ["broker bus : kafka", "component producer", *[f"component {n}" for n in names],
             "message M { size 1KB }", f"flow producer -> {', '.join(names)} : M {{ via bus  pattern pubsub }}"]
    model = load_model("-", text="\n".join(lines) + "\n")
    scene = build_scene(model)
    ids = [e.id for e in scene.edges] + [n.id for n in scene.nodes]
    assert max(map(len, ids)) <= 420 and len(set(ids)) == len(ids)
    if __import__("shutil").which("dot"):
        path = tmp_path / "big.msgarch"
        path.write_text("\n".join(lines) + "\n")
        done = msgarch("render", path, "-o", tmp_path / "big.svg", timeout=120)
        assert done.returncode == 0, done.stderr


@needs_dot
def test_pdf_is_byte_identical_in_a_time_zone_away_from_utc(tmp_path):
    import time

    root = tmp_path / "a.msgarch"
    root.write_text(SMALL)
    (tmp_path / "a.pdf").unlink(missing_ok=True)
    done = msgarch("render", root, "-o", tmp_path / "a.pdf", env={"TZ": "Europe/Paris"})
    time.sleep(1.1)
    again = msgarch("render", root, "-o", tmp_path / "b.pdf", env={"TZ": "Asia/Kolkata"})
    assert done.returncode == again.returncode == 0, done.stderr + again.stderr
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert b"D:1970" in (tmp_path / "a.pdf").read_bytes()


# -- 10. `msgarch --help` and `--version` import no command ---------------------------------------

def test_static_help_is_what_click_prints():
    env = {"COLUMNS": "80"}
    static = msgarch("--help", env=env)
    assert static.returncode == 0
    assert msgarch("-h", env=env).stdout == static.stdout
    clicked = subprocess.run([sys.executable, "-c", "from msgarch.cli.group import cli\n"
                              "cli.main(['--help'], prog_name='msgarch')"], capture_output=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT), **env})
    assert clicked.stdout == static.stdout
    from msgarch import __version__

    assert msgarch("--version").stdout == f"msgarch, version {__version__}\n".encode()


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_neither_click_nor_a_command(flag):
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "msgarch", flag], capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    imported = {line.split("|")[-1].strip() for line in done.stderr.decode().splitlines() if "|" in line}
    assert "click" not in imported and "lark" not in imported
    assert not {m for m in imported if m.startswith("msgarch.") and m != "msgarch.cli.main" and m != "msgarch.cli"}

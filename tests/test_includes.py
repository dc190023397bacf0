"""`use` includes: relative paths, cycles named, leaving the tree refused, missing files."""

from __future__ import annotations

import pytest

from msgarch.diagnostics import InputError
from msgarch.model.loader import load_model


def test_include_relative_to_including_file(write):
    write("arch/common/messages.msgarch", "message M { size 1KB }\nuse \"more.msgarch\"\n")
    write("arch/common/more.msgarch", "component b\n")
    root = write("arch/main.msgarch", 'use "common/messages.msgarch"\ncomponent a\nflow a -> b : M\n')
    model = load_model(str(root))
    assert set(model.messages) == {"M"} and set(model.components) == {"a", "b"}
    assert model.files[0] == str(root) and len(model.files) == 3
    assert model.messages["M"].span.path.endswith("common/messages.msgarch")


def test_include_cycle_names_the_chain(write):
    write("a.msgarch", 'use "b.msgarch"\n')
    write("b.msgarch", 'use "c.msgarch"\n')
    write("c.msgarch", 'use "a.msgarch"\n')
    root = write("a.msgarch", 'use "b.msgarch"\n')
    with pytest.raises(InputError) as caught:
        load_model(str(root))
    (problem,) = caught.value.diagnostics
    assert problem.code == "E002" and "include cycle" in problem.message
    assert problem.message.count("->") == 3 and problem.span.path.endswith("c.msgarch")


def test_include_leaving_the_tree_is_refused(write, tmp_path):
    write("outside.msgarch", "component x\n")
    root = write("sub/main.msgarch", 'use "../outside.msgarch"\n')
    with pytest.raises(InputError) as caught:
        load_model(str(root))
    assert caught.value.diagnostics[0].code == "E002"
    assert "leaves the directory" in caught.value.diagnostics[0].message


def test_absolute_include_is_refused(write):
    root = write("main.msgarch", 'use "/etc/passwd"\n')
    with pytest.raises(InputError) as caught:
        load_model(str(root))
    assert caught.value.diagnostics[0].code == "E002"


def test_missing_include(write):
    root = write("main.msgarch", 'component a\nuse "nope.msgarch"\n')
    with pytest.raises(InputError) as caught:
        load_model(str(root))
    (problem,) = caught.value.diagnostics
    assert problem.code == "E002" and (problem.span.line, problem.span.column) == (2, 5)


def test_diamond_include_reads_once(write):
    write("shared.msgarch", "message M\n")
    write("x.msgarch", 'use "shared.msgarch"\n')
    write("y.msgarch", 'use "shared.msgarch"\n')
    root = write("main.msgarch", 'use "x.msgarch"\nuse "y.msgarch"\n')
    model = load_model(str(root))
    assert not model.duplicates and len(model.files) == 4


def test_errors_in_several_included_files_are_all_reported(write):
    write("a.msgarch", "component {\n")
    write("b.msgarch", "message M { size 3 }\n")
    root = write("main.msgarch", 'use "a.msgarch"\nuse "b.msgarch"\n')
    with pytest.raises(InputError) as caught:
        load_model(str(root))
    paths = sorted(d.span.path.rsplit("/", 1)[-1] for d in caught.value.diagnostics)
    assert paths == ["a.msgarch"]  # build problems wait until every file parses


def test_profile_file_outside_the_tree_is_refused(write):
    write("secret.yaml", "priority: hunter2\n")
    root = write("arch/main.msgarch", 'broker k : kafka { profile "../secret.yaml" }\n')
    with pytest.raises(InputError) as caught:
        load_model(str(root))
    (problem,) = caught.value.diagnostics
    assert problem.code == "E003" and "leaves the directory" in problem.message and "hunter2" not in problem.message

"""The wheel carries the grammar, the profile schema and every built-in profile."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from tests.conftest import ROOT


def test_wheel_ships_grammar_and_profiles(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("msgarch-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "msgarch/grammar/msgarch.lark" in names
    assert "msgarch/brokers/profile.schema.json" in names
    assert len([n for n in names if n.startswith("msgarch/brokers/profiles/") and n.endswith(".json")]) == 25
    assert {"msgarch/brokers/transports/websocket.json", "msgarch/brokers/transports/http-stream.json"} <= names
    assert any(n.endswith("entry_points.txt") for n in names)

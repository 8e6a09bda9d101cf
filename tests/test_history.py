"""The history file: old files keep loading, whatever this version adds."""

from pathlib import Path

import yaml

from cibw_debug_tui.core.history import History

DATA = Path(__file__).parent / "data"


def test_a_history_file_of_the_first_version_still_loads(tmp_path):
    """tests/data/history-v1.yaml was written by version 0.1 (every status a session can
    have); it loads, with the same sessions, and saves again in the same shape."""
    path = tmp_path / "history.yaml"
    path.write_bytes((DATA / "history-v1.yaml").read_bytes())
    history = History(path).load()
    assert history.warning is None
    by_id = {s.id: s for s in history.sessions}
    assert [s.id for s in history.sessions] == [
        "665544332211", "112233445566", "9a8b7c6d5e4f", "0f1e2d3c4b5a", "a1b2c3d4e5f6",
    ]  # fmt: skip
    assert [by_id[i].status for i in by_id] == [
        "dispatching", "gone", "error", "in_progress", "completed",
    ]  # fmt: skip
    assert not by_id["665544332211"].done and by_id["112233445566"].done
    failed = by_id["a1b2c3d4e5f6"]
    assert (failed.conclusion, failed.run_id, failed.ended_at) == (
        "failure",
        21000000001,
        1764000600.0,
    )
    always = by_id["0f1e2d3c4b5a"]
    assert always.attempt == 2 and always.spec.ssh_before and always.spec.ssh_after
    assert always.spec.inputs()["debug-mode"] == "always"
    assert always.spec.inputs()["cibw-settings"] == '{"CIBW_TEST_SKIP": "*"}'
    assert history.last_form["debug_mode"] == "before-build"
    history.save()
    assert yaml.safe_load(path.read_text()) == yaml.safe_load(
        (DATA / "history-v1.yaml").read_text()
    )


def test_the_file_is_written_as_json_which_yaml_reads_the_same(tmp_path):
    """Read without PyYAML (quicker to a first frame), and still YAML for any version."""
    import json

    path = tmp_path / "history.yaml"
    history = History(path).load()
    history.remember_form({"runner": "macos-15", "cibw_settings": '{"CIBW_TEST_SKIP": "*"}'})
    text = path.read_text()
    assert json.loads(text) == yaml.safe_load(text)
    assert History(path).load().last_form["cibw_settings"] == '{"CIBW_TEST_SKIP": "*"}'

"""How the dashboard looks: the form, three sessions side by side, an open SSH session, a
failure. Regenerate after a deliberate change with `pytest tests/test_snapshots.py
--snapshot-update` and look at the pictures before committing them."""

from ui_fixtures import fixture_app, make_sessions

SIZE = (160, 48)


def test_dispatch_form(snap_compare, tmp_path):
    app = fixture_app(tmp_path, [])
    assert snap_compare(app, terminal_size=SIZE)


def test_three_sessions_in_different_states(snap_compare, tmp_path):
    running, ssh, failed, _ = make_sessions(tmp_path)
    app = fixture_app(tmp_path, [running, ssh, failed], selected="run1")
    assert snap_compare(app, terminal_size=SIZE)


def test_open_ssh_session(snap_compare, tmp_path):
    app = fixture_app(tmp_path, make_sessions(tmp_path), selected="ssh1")
    assert snap_compare(app, terminal_size=SIZE)


def test_failure(snap_compare, tmp_path):
    app = fixture_app(tmp_path, make_sessions(tmp_path), selected="fail1")
    assert snap_compare(app, terminal_size=SIZE)

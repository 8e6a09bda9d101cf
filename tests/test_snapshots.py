"""How the dashboard looks: the form, three sessions side by side, an open SSH session, a
failure, the help; an SSH session and the form at 80x24. Regenerate after a deliberate change
with `pytest tests/test_snapshots.py --snapshot-update` and look at the pictures before
committing them."""

from textual.widgets import Input
from ui_fixtures import fixture_app, make_sessions

SIZE = (160, 48)
SMALL = (80, 24)


async def fields_ready(pilot) -> None:
    """The form's text fields take their place a frame after it shows, the main build's
    settings (read without a request: ui_fixtures.py) right after."""
    form = pilot.app.screen
    while not form.query(Input) or form.panel is None or form.panel.build is None:
        await pilot.pause(0.01)
    await pilot.pause()


def test_dispatch_form(snap_compare, tmp_path):
    app = fixture_app(tmp_path, [])
    assert snap_compare(app, terminal_size=SIZE, run_before=fields_ready)


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


def test_help(snap_compare, tmp_path):
    app = fixture_app(tmp_path, make_sessions(tmp_path), selected="ssh1")
    assert snap_compare(app, terminal_size=SIZE, press=["question_mark"])


def test_open_ssh_session_at_80x24(snap_compare, tmp_path):
    """The SSH command whole, on one line (test_dashboard.py checks its place on screen)."""
    app = fixture_app(tmp_path, make_sessions(tmp_path), selected="ssh1")
    assert snap_compare(app, terminal_size=SMALL)


def test_dispatch_form_at_80x24(snap_compare, tmp_path):
    app = fixture_app(tmp_path, [])
    assert snap_compare(app, terminal_size=SMALL, run_before=fields_ready)

"""Issue 19's core pieces on their own: terminal notifications, many combinations at once, and
the argument lists that step into the runner."""

import os
import subprocess

import pytest

from cibw_debug_tui.core import batch, notify, ssh_launch
from cibw_debug_tui.core.config import ConfigError, load_config
from cibw_debug_tui.core.connection import parse_connection

HOSTILE = "cp312\x1b]52;c;ZXZpbA==\x07; rm -rf ~\x1b\\\x9b31m\n"


# -- notifications ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "kind"),
    [
        ({"TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1"}, notify.OSC99),
        ({"TERM": "xterm-ghostty", "TERM_PROGRAM": "ghostty"}, notify.OSC777),
        ({"TERM": "xterm-256color", "VTE_VERSION": "7600"}, notify.OSC777),
        ({"TERM": "foot"}, notify.OSC777),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"}, notify.OSC9),
        ({"TERM": "screen", "TERM_PROGRAM": "tmux", "WEZTERM_PANE": "3"}, notify.OSC777),
        ({"TERM": "linux"}, None),
        ({"TERM": "dumb"}, None),
        ({}, None),
    ],
)
def test_the_sequence_is_the_one_the_terminal_reads(env, kind):
    assert notify.protocol(env) == kind


def test_a_notification_carries_no_sequence_of_its_own():
    for env, frame in [
        ({"TERM": "foot"}, ("\x1b]777;notify;SSH session open;", "\x1b\\")),
        ({"TERM": "xterm", "TERM_PROGRAM": "iTerm.app"}, ("\x1b]9;SSH session open: ", "\x1b\\")),
    ]:
        seq = notify.sequence("SSH session open", HOSTILE, env)
        assert seq.startswith(frame[0]) and seq.endswith(frame[1])
        text = seq[len(frame[0]) : -len(frame[1])]
        assert text.isprintable() and ";" not in text and "\x1b" not in text
        assert text == "cp312 ]52 c ZXZpbA== rm -rf ~ \\ 31m"  # inert words, one line
    kitty = notify.sequence("SSH session open", HOSTILE, {"TERM": "xterm-kitty"})
    assert kitty.count("\x1b]99;") == 2 and kitty.count("\x1b\\") == 2 and "\x07" not in kitty


def test_inside_tmux_it_goes_through_tmux_passthrough():
    seq = notify.sequence("t", "b", {"TERM": "screen", "TMUX": "/tmp/x,1,0", "TERM_PROGRAM":
                                     "tmux", "ITERM_SESSION_ID": "w0"})  # fmt: skip
    assert seq.startswith("\x1bPtmux;\x1b\x1b]9;") and seq.endswith("\x1b\x1b\\\x1b\\")


def test_the_config_file_turns_them_off(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("notifications: off\n")
    assert notify.enabled(load_config(path)) is False
    path.write_text("notifications: on\n")
    assert notify.enabled(load_config(path)) is True
    assert notify.enabled({}) is True
    path.write_text("notifications: sometimes\n")
    with pytest.raises(ConfigError, match="notifications must be on or off"):
        load_config(path)


# -- many combinations at once -----------------------------------------------------------------


def test_one_session_per_valid_combination_grouped_by_name():
    planned = batch.plan("macos-15", ["cp314", "cp39", "cp310", "cp311", "cp312", "cp313"],
                         ["arm64"])  # fmt: skip
    tags = ("cp39", "cp310", "cp311", "cp312", "cp313", "cp314")
    assert [c.identifier for c in planned.combinations] == [f"{p}-macosx_arm64" for p in tags]
    assert planned.name == "cp39-cp314 on macos-15" and not planned.problem
    assert batch.tally(["success"] * 4 + ["failure"] * 2) == "6 sessions: 4 ✓ 2 ✗"
    assert batch.tally(["success", None]) == "2 sessions: 1 ✓ 1 running"


def test_refused_combinations_are_kept_apart_with_their_reasons():
    planned = batch.plan("windows-11-arm", ["cp312", "cp313"], ["ARM64", "AMD64"])
    assert [c.identifier for c in planned.combinations] == ["cp312-win_arm64", "cp313-win_arm64"]
    assert len(planned.refused) == 2 and "ARM64 wheels only" in planned.refused[0].reason
    assert planned.name == "cp312-cp313 on windows-11-arm"


def test_more_than_twenty_at_once_is_refused_with_the_reason():
    planned = batch.plan("ubuntu-latest", [p.tag for p in batch.matrix.PYTHONS],
                         ["x86_64", "i686", "aarch64"])  # fmt: skip
    assert len(planned.combinations) == 27
    assert "27 sessions in one go is too many (at most 20)" in planned.problem
    assert batch.plan("macos-15", ["cp27"], ["arm64"]).problem.startswith("no valid combination")


# -- stepping into the runner ---------------------------------------------------------------------


def connection(ssh: str, status: str = "open"):
    return parse_connection({"format": 1, "status": status, "stage": "after-failure",
                             "ssh": ssh, "timeout_minutes": 30})  # fmt: skip


def test_the_ssh_command_runs_as_an_argument_list(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{fake_ssh(tmp_path)}:{os.environ['PATH']}")
    argv = ssh_launch.ssh_argv(connection("ssh -p 2222 kq3Yb7TmZ8@fra1.tmate.io"))
    assert argv == [str(tmp_path / "bin" / "ssh"), "-p", "2222", "kq3Yb7TmZ8@fra1.tmate.io"]
    subprocess.run(argv, check=True)
    assert (tmp_path / "ran").read_text() == "-p 2222 kq3Yb7TmZ8@fra1.tmate.io\n"


def test_no_open_or_untrusted_session_runs_nothing():
    with pytest.raises(ssh_launch.CannotConnect, match="no SSH session is open"):
        ssh_launch.ssh_argv(None)
    refused = parse_connection({"format": 1, "status": "refused", "stage": "after-failure",
                                "message": "no keys", "timeout_minutes": 30})  # fmt: skip
    with pytest.raises(ssh_launch.CannotConnect):
        ssh_launch.ssh_argv(refused)
    assert ssh_launch.window_name("cp312-manylinux_x86_64; rm") == "cibw cp312-manylinux_x86_64rm"


def fake_ssh(tmp_path):
    """An `ssh` that records its arguments in tmp_path/ran."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    script = folder / "ssh"
    script.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/ran\n')
    script.chmod(0o755)
    return folder

"""Desktop notifications through the terminal: a few bytes the terminal turns into its own
notification, so the person hears that the SSH session opened while in another window, over
SSH and through tmux, with nothing installed.

Terminals disagree on the sequence they read, so it is chosen by what the terminal is called:
kitty reads its own OSC 99; Ghostty, WezTerm, foot, rxvt, Konsole and VTE terminals OSC 777
(`notify;TITLE;BODY`); iTerm2 and most others OSC 9. Inside tmux (`$TMUX`), the sequence is
wrapped for tmux's passthrough (`set -g allow-passthrough on`), and the outer terminal is told
by the variables it left in the environment. The Linux console and dumb terminals get nothing.

The text is the tool's own words; whatever else goes in (an identifier) is cut to printable
characters without `;` (a field separator), ESC or BEL: no notification can carry a sequence.
The config file's `notifications: off` turns them off.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

MAX_TEXT = 160
OSC9, OSC99, OSC777 = "osc9", "osc99", "osc777"
_WITH_777 = ("ghostty", "wezterm", "foot", "rxvt", "konsole", "contour")
# Variables a terminal sets for the programs it runs (they survive into tmux's sessions).
_MARKERS = {
    "KITTY_WINDOW_ID": "kitty",
    "GHOSTTY_RESOURCES_DIR": "ghostty",
    "WEZTERM_PANE": "wezterm",
    "KONSOLE_VERSION": "konsole",
    "VTE_VERSION": "vte",
    "ITERM_SESSION_ID": "iterm",
}


def terminal_names(env: Mapping[str, str]) -> str:
    """What the terminal is called, all in one lower-case string."""
    names = [env.get(key, "") for key in ("TERM", "TERM_PROGRAM", "LC_TERMINAL")]
    names += [name for key, name in _MARKERS.items() if env.get(key)]
    return " ".join(names).lower()


def protocol(env: Mapping[str, str]) -> str | None:
    """The sequence this terminal reads, or None when it should get none."""
    names = terminal_names(env)
    term = env.get("TERM", "")
    if term in ("linux", "dumb") or (not term and not names.strip()):
        return None
    if "kitty" in names:
        return OSC99
    if any(name in names for name in _WITH_777) or "vte" in names:
        return OSC777
    return OSC9


def _plain(text: str) -> str:
    """Printable characters only, no `;`, on one line, cut short."""
    cleaned = "".join(ch if ch.isprintable() and ch != ";" else " " for ch in text)
    return " ".join(cleaned.split())[:MAX_TEXT]


def sequence(title: str, body: str, env: Mapping[str, str] | None = None) -> str:
    """The bytes to write for a notification ("" when the terminal gets none)."""
    env = os.environ if env is None else env
    kind = protocol(env)
    if kind is None:
        return ""
    title, body = _plain(title), _plain(body)
    if kind == OSC99:
        seq = f"\x1b]99;i=1:d=0;{title}\x1b\\\x1b]99;i=1:d=1:p=body;{body}\x1b\\"
    elif kind == OSC777:
        seq = f"\x1b]777;notify;{title};{body}\x1b\\"
    else:
        seq = f"\x1b]9;{title}: {body}\x1b\\"
    if env.get("TMUX"):
        seq = "\x1bPtmux;" + seq.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return seq


def enabled(config: Mapping[str, object]) -> bool:
    """Whether the config file leaves notifications on (`notifications: off` turns them off)."""
    value = config.get("notifications")
    return value is None or value is True

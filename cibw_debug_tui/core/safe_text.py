"""The one boundary between text from outside and a terminal.

Names, messages, URLs and log lines come from GitHub, from the runner's connection file and
from build logs that any build script can fill. Painted as they are, an escape sequence in a
step name can retitle the terminal (OSC 0), write the clipboard (OSC 52), reset the screen
(`ESC c`), fill it with E's (`ESC # 8`) or end a bracketed paste early; C1 controls do the same
in eight bits; bidirectional overrides make text read differently from what it is. Everything
from outside goes through `terminal_safe` (or `one_line`) before a print or a widget shows it:

- every escape sequence is dropped whole: CSI (`ESC [`, colours and bracketed-paste markers
  included), OSC, DCS, SOS, PM and APC strings up to their BEL or ST (to the end of the text
  when unterminated, as a terminal would swallow it), `ESC` with intermediates (`ESC # 8`,
  `ESC ( B`) and two-byte sequences (`ESC c`, `ESC 7`), and their eight-bit C1 forms;
- then every other C0 control but tab (and newline in multi-line text), C1 control, DEL,
  bidirectional override and isolate, and lone surrogate (which no terminal encoding can
  write);
- printable Unicode, emoji and zero-width joiners included, is kept as it is.
"""

from __future__ import annotations

import re

_ST = r"(?:\x07|\x1b\\|\x9c|(?=\x1b)|\Z)"  # BEL or ST; an ESC aborts the string
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"  # CSI
    rf"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*{_ST}"  # OSC DCS SOS PM APC
    r"|\x1b[\x20-\x2f]+[\x30-\x7e]"  # ESC with intermediates: ESC # 8, ESC ( B
    r"|\x1b[\x30-\x7e]"  # ESC c, ESC 7, ESC =
)
# Bidirectional embeddings, overrides and isolates: U+202A-U+202E, U+2066-U+2069.
_BIDI = "\u202a-\u202e\u2066-\u2069"
_CONTROLS = f"\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\ud800-\udfff"
_UNSAFE_MULTILINE = re.compile(f"[{_CONTROLS}\u2028\u2029]")
_UNSAFE_LINE = re.compile(f"[{_CONTROLS}\n\u2028\u2029]")
_DROP = re.compile(f"[{_CONTROLS}]")
_LINE_BREAKS = re.compile("\r?\n|[\u2028\u2029]")


def terminal_safe(text: str, *, multiline: bool = False) -> str:
    """`text` with nothing a terminal would act on: see the module's docstring. Newlines are
    kept in multi-line text and become spaces otherwise; tabs are kept."""
    unsafe = _UNSAFE_MULTILINE if multiline else _UNSAFE_LINE
    if not unsafe.search(text):
        return text  # nearly always: one search in C, no copy
    text = _SEQUENCE.sub("", text)
    text = _LINE_BREAKS.sub("\n" if multiline else " ", text)
    return _DROP.sub(lambda m: "\ufffd" if "\ud800" <= m.group() <= "\udfff" else "", text)


def one_line(text: str | None) -> str:
    """A name or a message for one line of a table or a pane: `terminal_safe`, with tabs as
    spaces too (a tab would move a line-drawn widget's cursor)."""
    if not text:
        return ""
    safe = terminal_safe(text)
    return safe.replace("\t", " ") if "\t" in safe else safe

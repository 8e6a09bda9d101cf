"""A one-line choice among a few values (the form's runner, CPython, arch, debug mode): the value
shown with a ▼; enter, space, ↑, ↓ or a click open its options in a list below it.

One widget where Textual's Select mounts six and a list, each styled before the form can show:
the form is the first thing a new user waits for, and four Selects cost it a third of its time.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import OptionList
from textual.widgets.option_list import Option

Options = list[tuple[str, str]]  # (label, value)


class Choice(Widget, can_focus=True):
    """Styled in app.tcss: a widget's own CSS, arriving as the form mounts, makes Textual parse
    and apply the stylesheet again, which costs the form's first frame a tenth of its time."""

    BINDINGS = [Binding("enter,space,down,up", "open", "Choose", show=False)]

    class Changed(Message):
        """The value changed (by a person or by the form)."""

        def __init__(self, choice: Choice, value: str | None) -> None:
            super().__init__()
            self.choice = choice
            self.value = value

        @property
        def control(self) -> Choice:
            return self.choice

    def __init__(self, options: Options, value: str | None = None, *, prompt: str = "",
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(**kwargs)
        self.options = list(options)
        self.prompt = prompt
        self._value = value if value in self.values() else None

    def values(self) -> list[str]:
        return [value for _, value in self.options]

    @property
    def value(self) -> str | None:
        return self._value

    @value.setter
    def value(self, value: str | None) -> None:
        if value is not None and value not in self.values():
            raise ValueError(f"{value!r} is not one of the choices")
        if value != self._value:
            self._value = value
            self.refresh()
            self.post_message(self.Changed(self, value))

    @property
    def selection(self) -> str | None:
        return self._value

    def set_options(self, options: Options) -> None:
        """New options; the value is kept if it is one of them."""
        self.options = list(options)
        if self._value not in self.values():
            self.value = None
        self.refresh()

    def render(self) -> Text:
        label = dict((v, lbl) for lbl, v in self.options).get(self._value or "", "")
        shown = Text(label) if label else Text(self.prompt, style="dim")
        width = max(0, self.content_size.width - 2)
        shown.truncate(width, overflow="ellipsis", pad=True)
        return shown + Text(" ▼")

    def action_open(self) -> None:
        if self.options:
            self.app.push_screen(ChoiceList(self), self._chosen)

    def _chosen(self, value: str | None) -> None:
        if value is not None:
            self.value = value

    def on_click(self, event: events.Click) -> None:
        self.action_open()


class ChoiceList(ModalScreen[str | None]):
    """A choice's options, in a list just below it; enter picks, escape leaves."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Back", show=False)]

    def __init__(self, choice: Choice) -> None:
        super().__init__()
        self.choice = choice

    def compose(self) -> ComposeResult:
        yield OptionList(*(Option(label, id=value) for label, value in self.choice.options))

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        region = self.choice.region
        height = min(len(self.choice.options) + 2, 16)
        top = region.y + 1 if region.y + 1 + height <= self.size.height else region.y - height
        options.styles.width = max(region.width, 20)
        options.styles.offset = (region.x, max(0, top))
        if self.choice.value in self.choice.values():
            options.highlighted = self.choice.values().index(self.choice.value)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def on_click(self, event: events.Click) -> None:
        if self.get_widget_at(event.screen_x, event.screen_y)[0] is self:
            self.dismiss(None)  # a click beside the list leaves it

"""The dispatch form: only valid combinations can be chosen, and what will happen shows first.

The form scrolls on a small terminal, its buttons stay in view; what each choice means (the
debug modes, the timeout's unit, what an emulated or cross-compiled build costs, what the extra
settings do to the tests) is said where it is chosen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static

from cibw_debug_tui.core import batch, matrix
from cibw_debug_tui.core.config import ConfigError, validate_repo
from cibw_debug_tui.core.workflow_contract import DEBUG_MODES, DEFAULT_DEBUG_MODE, InputError
from cibw_debug_tui.ui.choices import MODE_WORDS, arch_after_change, preview
from cibw_debug_tui.ui.screens.form_settings import FormSettings, RunSource
from cibw_debug_tui.ui.widgets.choice import Choice

if TYPE_CHECKING:
    from cibw_debug_tui.core.session import SessionSpec

MODES = (DEFAULT_DEBUG_MODE, *(m for m in DEBUG_MODES if m != DEFAULT_DEBUG_MODE))
# The form's buttons: one line whose words can be clicked (a Footer or two Buttons cost its
# first frame a third of its time).
KEYS = Content.from_markup(
    "[b]ctrl+s[/b] [@click=screen.dispatch]Dispatch[/]    [b]esc[/b] [@click=screen.leave]Cancel[/]"
)
# Seconds after the form shows that its text fields take their place: once its first frame is
# written (a thread writes it, and mounting five Inputs meanwhile would hold it back).
SWAP_AFTER = 0.05
SETTINGS_EXAMPLE = 'JSON, e.g. {"CIBW_TEST_SKIP": "*"}'
LABELS = ("Repository", "Runner", "CPython", "Arch", "Also build", "Debug mode", "", "Ref",
          "SSH timeout (min)", "Package dir", "CIBW settings")  # fmt: skip
ALSO_EXAMPLE = "more CPythons or arches: cp39-cp314, i686"


@dataclass(frozen=True)
class Dispatch:
    """What the form asks for: one session, or several dispatched at once as a group."""

    specs: tuple[SessionSpec, ...]
    group: str | None = None


def _also(runner: str, python: str, arch: str, text: str) -> batch.Batch | None:
    """The batch that `text` (more CPythons, ranges of them, arches) makes with the chosen
    combination; None when it names nothing more. ValueError says what is wrong."""
    words = text.replace(",", " ").split()
    if not words:
        return None
    tags = [p.tag for p in matrix.PYTHONS]
    os_arches = {a.lower(): a for a in matrix.ARCHES[matrix.RUNNERS_BY_LABEL[runner].os]}
    pythons, arches = [python], [arch]
    for word in words:
        first, dash, last = word.partition("-")
        if word in tags:
            pythons.append(word)
        elif dash and first in tags and last in tags:
            low, high = sorted((tags.index(first), tags.index(last)))
            pythons += tags[low : high + 1]
        elif word.lower() in os_arches:
            arches.append(os_arches[word.lower()])
        else:
            raise ValueError(f'"{word}" in Also build is neither a CPython (cp311, cp39-cp314) '
                             f"nor an arch of {runner}")  # fmt: skip
    return batch.plan(runner, pythons, arches)


class LaterInput(Static):
    """A text field as the first frame shows it; the Input itself replaces it right after.
    Each Input costs the form's first frame more than all its other fields: the form is what
    a new user waits for, and nobody types within the frame it takes to swap them. Styled in
    app.tcss, as Choice is (see there)."""

    def __init__(self, field: Input) -> None:
        shown = Text(field.value) if field.value else Text(field.placeholder, style="dim")
        super().__init__(shown)
        self.field = field

    def on_mount(self) -> None:
        self.set_timer(SWAP_AFTER, self._swap)

    async def _swap(self) -> None:
        if isinstance(self.parent, Widget):
            screen = self.screen
            await self.parent.mount(self.field, after=self)
            await self.remove()
            screen.post_message(DispatchScreen.FieldsReady())


def _runner_options() -> list[tuple[str, str]]:
    return [
        (f"{r.label}  ({r.cpu}{', ' + r.note if r.note else ''})", r.label) for r in matrix.RUNNERS
    ]


def _arches(
    runner: str, python: str, wanted: str
) -> tuple[list[tuple[str, str]], str | None, Text]:
    """The arch choice's options for this runner and CPython, the one to choose (`wanted` if
    offered), and why the others are not offered."""
    combos = [
        matrix.check(runner, python, a) for a in matrix.ARCHES[matrix.RUNNERS_BY_LABEL[runner].os]
    ]
    valid = [c.arch for c in combos if c.valid]
    options = [(f"{c.arch}  ({c.build})", c.arch) for c in combos if c.valid]
    value = wanted if wanted in valid else (valid[0] if valid else None)
    refused = "\n".join(f"{c.arch} not offered: {c.reason}" for c in combos if not c.valid)
    return options, value, Text(refused)


NOTES = ("refused", "form-problem", "form-error")  # under the summary, in this order


def _summary(combo: matrix.Combination, settings: str, sent: str = "") -> Text:
    """What will be built with these settings (JSON), what the tests will do, what an emulated
    or cross-compiled build costs, `sent`: how many settings are sent; or why it cannot be."""
    if not combo.valid:
        return Text(combo.reason or "", style="red")
    try:
        shown = preview(combo, settings)
    except InputError as error:
        return Text(f"✗ {error}", style="red")
    text = Text.assemble(("→ ", "bold"), (shown.identifier, "bold"), f"   {shown.words}")
    if shown.cost:
        text.append(f"\n  {shown.cost}", style="dim")
    if sent:
        text.append(f"\n  {sent}", style="dim")
    return text


def _sent_words(sent: dict[str, str], own: str) -> str:
    """`sends 4 CIBW settings: 3 of the main build, 1 of the form's`."""
    from cibw_debug_tui.core.build_settings.effective import parse_own

    try:
        mine = parse_own(own)
    except ValueError:
        mine = {}
    inherited = len([n for n in sent if n not in mine])
    return (f"sends {len(sent)} CIBW setting{'s' * (len(sent) != 1)}: {inherited} of the main "
            f"build, {len(sent) - inherited} of the form's (below)")  # fmt: skip


def _batch_summary(planned: batch.Batch) -> Text:
    """What several combinations at once will dispatch, or why not."""
    if planned.problem:
        return Text(f"✗ {planned.problem}", style="red")
    count = len(planned.combinations)
    text = Text.assemble(("→ ", "bold"), (f"{count} sessions: {planned.name}", "bold"))
    text.append("\n  " + " ".join(c.identifier or "" for c in planned.combinations), style="dim")
    if planned.refused:
        left_out = ", ".join(f"{c.python} {c.arch}" for c in planned.refused)
        text.append(f"\n  left out (not buildable there): {left_out}", style="dim")
    return text


class DispatchScreen(FormSettings):
    """A new session. ctrl+s dispatches from any field; escape leaves."""

    BINDINGS = [
        Binding("ctrl+s", "dispatch", "Dispatch", id="dispatch", priority=True),
        Binding("escape", "leave", "Cancel", id="leave-form"),
    ]

    def __init__(self, repo: str | None, values: dict[str, str], problem: str = "",
                 said: list[str] | None = None, alone: bool = False,
                 origin: str = "", run: RunSource | None = None) -> None:  # fmt: skip
        """`values` as choices.usable_values makes them; `said`: what it had to change;
        `alone`: nothing to see behind it (no sessions yet), so nothing is drawn there;
        `origin`: where the values come from (a failed CI job), `run` that job's run, whose
        workflow file at its commit gives the main build's settings."""
        super().__init__(classes="-alone" if alone else "")
        self.origin = origin
        self.run = run
        self.repo = repo
        self.values = values
        self.problem = problem
        self.said = said or []
        self._filled_for: tuple[str, str] = (values["runner"], values["python"])
        self.own_settings = values["cibw_settings"]  # the field, as dispatched: remembered

    def compose(self) -> ComposeResult:
        v = self.values
        pythons = [(p.tag + ("  (pre-release)" if p.prerelease else ""), p.tag)
                   for p in matrix.PYTHONS]  # fmt: skip
        arches, arch, refused = _arches(v["runner"], v["python"], v["arch"])
        # Filled here, not on mount: the first frame is the whole form, not a frame short.
        summary = _summary(matrix.check(v["runner"], v["python"], arch or ""), v["cibw_settings"])
        with VerticalScroll(id="form"):
            yield Static("New debug session", id="form-title")
            if self.origin:
                yield Static(Text(self.origin), id="form-origin", classes="explain")
            with Horizontal(id="form-fields"):
                yield Static("\n".join(LABELS), id="form-labels")
                with Vertical(id="form-inputs"):
                    yield LaterInput(Input(self.repo or "", placeholder="owner/name", id="repo",
                                           compact=True))  # fmt: skip
                    yield Choice(_runner_options(), v["runner"], id="runner")
                    yield Choice(pythons, v["python"], id="python")
                    yield Choice(arches, arch, prompt="choose an arch", id="arch")
                    yield LaterInput(Input(v.get("also", ""), placeholder=ALSO_EXAMPLE,
                                           id="also", compact=True))  # fmt: skip
                    yield Choice([(m, m) for m in MODES], v["debug_mode"], id="debug_mode")
                    yield Static(MODE_WORDS[v["debug_mode"]], id="mode-words", classes="explain")
                    yield LaterInput(Input(v["ref"], placeholder="main", id="ref", compact=True))
                    yield LaterInput(Input(v["session_timeout"], placeholder="minutes, 1-60",
                                           id="session_timeout", compact=True))  # fmt: skip
                    yield LaterInput(Input(v["package_dir"], placeholder=".", id="package_dir",
                                           compact=True))  # fmt: skip
                    yield LaterInput(Input(v["cibw_settings"], placeholder=SETTINGS_EXAMPLE,
                                           id="cibw_settings", compact=True))  # fmt: skip
            yield Static(summary, id="summary")
            said = "\n".join(f"⚠ {words}" for words in self.said)
            problem = Text(f"⚠ {self.problem}", style="bold yellow") if self.problem else ""
            # A note is there only while it says something: one fewer widget to show first.
            for name, words in zip(
                NOTES, (refused, problem, Text(said, style="yellow")), strict=True
            ):
                if str(words):
                    yield Static(words, id=name, classes="explain" if name == "refused" else "")
            yield Static(KEYS, id="form-keys")

    class FieldsReady(Message):
        """A text field took its place (LaterInput)."""

    def on_mount(self) -> None:
        if self.repo:
            self.query_one("#runner").focus()

    async def on_dispatch_screen_fields_ready(self) -> None:
        """A new user starts with the repository, once its field is there (unless typing
        elsewhere already). The main build's settings come once the fields are there."""
        if not self.repo and self.query("#repo") and not isinstance(self.focused, Input):
            self.query_one("#repo").focus()
        if not self.query(LaterInput):
            await self.start_settings()

    def _text(self, name: str) -> str:
        """A text field's value (the value given, until its Input is there)."""
        found = self.query(f"#{name}")
        if found and isinstance(found.first(), Input):
            return found.first(Input).value
        return self.repo or "" if name == "repo" else self.values.get(name, "")

    def show_problem(self, problem: str) -> None:
        """Why nothing can be dispatched (no token...), known once the client was looked for."""
        self.problem = problem
        self._say("form-problem", Text(f"⚠ {problem}", style="bold yellow") if problem else "")

    def _say(self, name: str, words: Text | str) -> None:
        """A note under the form (NOTES), there only while it says something."""
        found = self.query(f"#{name}")
        if not str(words):
            found.remove()
        elif found:
            found.first(Static).update(words)
        else:
            before = ["summary", *NOTES[: NOTES.index(name)]]
            after = [n for n in before if self.query(f"#{n}")][-1]
            note = Static(words, id=name, classes="explain" if name == "refused" else "")
            self.query_one("#form", VerticalScroll).mount(note, after=f"#{after}")

    def _chosen(self, name: str) -> str:
        """What a choice of the form shows ("" for none)."""
        return self.query_one(f"#{name}", Choice).value or ""

    def _fill_arches(self, wanted: str) -> None:
        """Offer the arches the runner builds for this CPython, `wanted` chosen."""
        runner, python = self._chosen("runner"), self._chosen("python")
        options, value, refused = _arches(runner, python, wanted)
        self._filled_for = (runner, python)
        arch = self.query_one("#arch", Choice)
        arch.set_options(options)
        arch.value = value
        self._say("refused", refused)
        self._summarise()

    def on_choice_changed(self, event: Choice.Changed) -> None:
        name = event.choice.id
        if name in ("runner", "python"):
            runner, python = self._chosen("runner"), self._chosen("python")
            if (runner, python) != self._filled_for:
                current = self.query_one("#arch", Choice).value
                changed = runner != self._filled_for[0]
                self._fill_arches(arch_after_change(runner, python, current, changed))
        elif name == "debug_mode":
            self.query_one("#mode-words", Static).update(MODE_WORDS[self._chosen("debug_mode")])
        else:
            self._summarise()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.has_focus:  # the person is fixing it: the old complaint goes
            self._say("form-error", "")
        self.follow_input(event.input)
        if event.input.id in ("cibw_settings", "also"):
            self._summarise()

    def _combo(self) -> matrix.Combination | None:
        arch = self.query_one("#arch", Choice).value
        if arch is None:
            return None
        return matrix.check(self._chosen("runner"), self._chosen("python"), str(arch))

    def _summarise(self) -> None:
        self.follow_combination(self._combo())
        self._show_summary()

    def _show_summary(self) -> None:
        """What will be built: with the settings sent, once the panel says them."""
        combo = self._combo()
        own, sent = self._text("cibw_settings"), self.sent_settings()
        summary = _summary(combo, own) if combo else Text("")
        if combo is not None and sent is not None and not summary.plain.startswith("✗"):
            summary = _summary(combo, json.dumps(sent) if sent else "", _sent_words(sent, own))
        if combo is not None and combo.valid:
            try:
                planned = _also(combo.runner, combo.python, combo.arch, self._text("also"))
            except ValueError as error:
                planned, summary = None, Text(f"✗ {error}", style="red")
            if planned is not None:
                summary = _batch_summary(planned)
        self.query_one("#summary", Static).update(summary)

    def _spec(self) -> Dispatch:
        """The form as the sessions to dispatch, or ValueError with what to fix."""
        repo = self._text("repo").strip()
        try:
            validate_repo(repo)
        except ConfigError as error:
            raise ValueError(str(error)) from None
        combo = self._combo()
        if combo is None:
            raise ValueError("choose an arch")
        if not combo.valid:
            raise ValueError(combo.reason or "not a valid combination")
        timeout = self._text("session_timeout").strip()
        if not timeout.isdigit() or not 1 <= int(timeout) <= 60:
            raise ValueError("SSH timeout must be a whole number of minutes from 1 to 60")
        ref = self._text("ref").strip() or "main"
        if any(c.isspace() for c in ref) or ref.startswith("-") or ".." in ref:
            raise ValueError(f'"{ref}" is not a branch or tag name')
        own = self._text("cibw_settings").strip()
        try:
            preview(combo, own)  # the form's own, as the person wrote them
        except InputError as error:
            raise ValueError(str(error)) from None
        from cibw_debug_tui.core.build_settings import SettingsError, settings_input
        from cibw_debug_tui.core.session import DebugMode, SessionSpec

        package_dir = self._text("package_dir").strip() or "."
        if package_dir == ".":  # not chosen: the main build's
            package_dir = self.inherited_package_dir() or "."
        sent = self.sent_settings()

        planned = _also(combo.runner, combo.python, combo.arch, self._text("also"))
        if planned is not None and planned.problem:
            raise ValueError(planned.problem)
        combos = planned.combinations if planned is not None else (combo,)
        specs = tuple(
            SessionSpec(
                repo=repo,
                runner=chosen.runner,
                python=chosen.python,
                arch=chosen.arch,
                debug_mode=DebugMode(self._chosen("debug_mode")),
                ref=ref,
                session_timeout=int(timeout),
                package_dir=package_dir,
                cibw_settings=own,
            )
            for chosen in combos
        )
        if sent is not None:  # the main build's, worked out for the combination shown
            try:
                text = settings_input(sent, {**specs[0].inputs(), "session-id": "0" * 12})
            except SettingsError as error:
                raise ValueError(f"the settings cannot be sent: {error}") from None
            specs = tuple(replace(spec, cibw_settings=text) for spec in specs)
        return Dispatch(specs, planned.name if planned and len(specs) > 1 else None)

    def action_dispatch(self) -> None:
        try:
            spec = self._spec()
        except ValueError as error:
            self._say("form-error", Text(f"✗ {error}", style="bold red"))
            return
        if self.waiting_for_settings():  # the form is right: it goes once they are read
            self.hold_dispatch()
            return
        self.own_settings = self._text("cibw_settings").strip()
        self.dismiss(spec)

    def action_leave(self) -> None:
        self.dismiss(None)

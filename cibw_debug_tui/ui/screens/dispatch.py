"""The dispatch form: only valid combinations can be chosen, and what will happen shows first."""

from __future__ import annotations

import json

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from cibw_debug_tui.core import matrix
from cibw_debug_tui.core.config import ConfigError, validate_repo
from cibw_debug_tui.core.session import DebugMode, SessionSpec
from cibw_debug_tui.core.workflow_contract import DEBUG_MODES, DEFAULT_DEBUG_MODE

MODES = (DEFAULT_DEBUG_MODE, *(m for m in DEBUG_MODES if m != DEFAULT_DEBUG_MODE))
DEFAULTS = {
    "runner": "ubuntu-latest",
    "python": "cp312",
    "arch": "x86_64",
    "debug_mode": DEFAULT_DEBUG_MODE,
    "ref": "main",
    "session_timeout": "30",
    "package_dir": ".",
    "cibw_settings": "",
}
BUILD_WORDS = {
    "native": "native build, tests run",
    "emulated": "emulated under QEMU: slow, tests run under QEMU",
    "cross-compiled": "cross-compiled: tests won't run",
}


def _runner_options() -> list[tuple[str, str]]:
    return [
        (f"{r.label}  ({r.cpu}{', ' + r.note if r.note else ''})", r.label) for r in matrix.RUNNERS
    ]


class DispatchScreen(ModalScreen[SessionSpec | None]):
    """A new session. ctrl+s dispatches from any field; escape leaves."""

    BINDINGS = [
        Binding("ctrl+s", "dispatch", "Dispatch", id="dispatch", priority=True),
        Binding("escape", "leave", "Back", id="leave-form"),
    ]

    def __init__(self, repo: str | None, values: dict, problem: str = "") -> None:
        super().__init__()
        self.repo = repo
        self.values = {**DEFAULTS, **{k: str(v) for k, v in values.items() if v is not None}}
        self.problem = problem

    def compose(self) -> ComposeResult:
        v = self.values
        runner = v["runner"] if v["runner"] in matrix.RUNNERS_BY_LABEL else DEFAULTS["runner"]
        python = v["python"] if v["python"] in matrix.PYTHONS_BY_TAG else DEFAULTS["python"]
        with VerticalScroll(id="form"):
            yield Static("New debug session", id="form-title")
            with Grid(id="form-grid"):
                yield Label("Repository")
                yield Input(self.repo or "", placeholder="owner/name", id="repo", compact=True)
                yield Label("Runner")
                yield Select(
                    _runner_options(), value=runner, allow_blank=False, id="runner", compact=True
                )
                yield Label("CPython")
                yield Select(
                    [
                        (p.tag + ("  (pre-release)" if p.prerelease else ""), p.tag)
                        for p in matrix.PYTHONS
                    ],
                    value=python,
                    allow_blank=False,
                    id="python",
                    compact=True,
                )
                yield Label("Arch")
                yield Select([], allow_blank=True, prompt="choose an arch", id="arch", compact=True)
                yield Label("Debug mode")
                yield Select(
                    [(m, m) for m in MODES],
                    value=v["debug_mode"] if v["debug_mode"] in MODES else DEFAULT_DEBUG_MODE,
                    allow_blank=False,
                    id="debug_mode",
                    compact=True,
                )
                yield Label("Ref")
                yield Input(v["ref"], placeholder="main", id="ref", compact=True)
                yield Label("Session timeout")
                yield Input(
                    v["session_timeout"], placeholder="minutes, 1-60", id="session_timeout",
                    compact=True,
                )  # fmt: skip
                yield Label("Package dir")
                yield Input(v["package_dir"], placeholder=".", id="package_dir", compact=True)
                yield Label("CIBW settings")
                yield Input(
                    v["cibw_settings"],
                    placeholder='JSON, e.g. {"CIBW_TEST_SKIP": "*"}',
                    id="cibw_settings",
                    compact=True,
                )
            yield Static(id="summary")
            yield Static(id="refused")
            yield Static(Text(f"⚠ {self.problem}", style="bold yellow") if self.problem else "",
                         id="form-problem")  # fmt: skip
            yield Static(id="form-error")
            with Horizontal(id="form-buttons"):
                yield Button("Dispatch  ctrl+s", variant="primary", id="dispatch-button")
                yield Button("Cancel  esc", id="leave-button")

    def on_mount(self) -> None:
        v = self.values
        asked = matrix.check(v["runner"], v["python"], v["arch"])
        arch = v["arch"]
        if not asked.valid:
            # Say why the values asked for (flags, last time) are not what the form shows.
            self.query_one("#form-error", Static).update(Text(f"⚠ {asked.reason}", style="yellow"))
            alias = matrix.ARCH_ALIASES.get(asked.os or "", {}).get(arch.lower())
            arch = alias or arch
        self._fill_arches(arch)
        self.query_one("#repo" if not self.repo else "#runner").focus()

    def _chosen(self, name: str) -> str:
        """What a Select of the form shows ("" for none)."""
        value = self.query_one(f"#{name}", Select).value
        return value if isinstance(value, str) else ""

    def _fill_arches(self, wanted: str | None = None) -> None:
        runner, python = self._chosen("runner"), self._chosen("python")
        combos = [
            matrix.check(runner, python, a)
            for a in matrix.ARCHES[matrix.RUNNERS_BY_LABEL[runner].os]
        ]
        valid = [c for c in combos if c.valid]
        arch_select = self.query_one("#arch", Select)
        current = wanted or arch_select.selection
        options = [(f"{c.arch}  ({c.build})", c.arch) for c in valid]
        arch_select.set_options(options)
        names = [c.arch for c in valid]
        if current in names:
            arch_select.value = current
        elif names:
            arch_select.value = names[0]
        refused = [c for c in combos if not c.valid]
        self.query_one("#refused", Static).update(
            Text("\n".join(f"{c.arch} not offered: {c.reason}" for c in refused), style="dim")
        )
        self._summarise()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id in ("runner", "python"):
            self._fill_arches()
        else:
            self._summarise()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.has_focus:  # the person is fixing it: the old complaint goes
            self.query_one("#form-error", Static).update("")

    def _combo(self) -> matrix.Combination | None:
        arch = self.query_one("#arch", Select).selection
        if arch is None:
            return None
        return matrix.check(self._chosen("runner"), self._chosen("python"), str(arch))

    def _summarise(self) -> None:
        combo = self._combo()
        summary = self.query_one("#summary", Static)
        if combo is None:
            summary.update("")
        elif combo.valid:
            words = BUILD_WORDS[combo.build or ""]
            if combo.tests not in ("run", "cannot run", "run under QEMU (slow)"):
                words += f" ({combo.tests})"
            identifier = combo.identifier or ""
            summary.update(Text.assemble(("→ ", "bold"), (identifier, "bold"), f"   {words}"))
        else:
            summary.update(Text(combo.reason or "", style="red"))

    def _spec(self) -> SessionSpec:
        """The form as a SessionSpec, or ValueError with what to fix."""
        repo = self.query_one("#repo", Input).value.strip()
        try:
            validate_repo(repo)
        except ConfigError as error:
            raise ValueError(str(error)) from None
        combo = self._combo()
        if combo is None:
            raise ValueError("choose an arch")
        if not combo.valid:
            raise ValueError(combo.reason or "not a valid combination")
        timeout = self.query_one("#session_timeout", Input).value.strip()
        if not timeout.isdigit() or not 1 <= int(timeout) <= 60:
            raise ValueError("session timeout must be a whole number of minutes from 1 to 60")
        ref = self.query_one("#ref", Input).value.strip() or "main"
        if any(c.isspace() for c in ref) or ref.startswith("-") or ".." in ref:
            raise ValueError(f'"{ref}" is not a branch or tag name')
        settings = self.query_one("#cibw_settings", Input).value.strip()
        if settings:
            try:
                parsed = json.loads(settings)
            except ValueError:
                raise ValueError(
                    'CIBW settings must be JSON, e.g. {"CIBW_TEST_SKIP": "*"}'
                ) from None
            if not isinstance(parsed, dict) or not all(k.startswith("CIBW_") for k in parsed):
                raise ValueError("CIBW settings must be a JSON object of CIBW_* names")
        return SessionSpec(
            repo=repo,
            runner=combo.runner,
            python=combo.python,
            arch=combo.arch,
            debug_mode=DebugMode(self._chosen("debug_mode")),
            ref=ref,
            session_timeout=int(timeout),
            package_dir=self.query_one("#package_dir", Input).value.strip() or ".",
            cibw_settings=settings,
        )

    def action_dispatch(self) -> None:
        try:
            spec = self._spec()
        except ValueError as error:
            self.query_one("#form-error", Static).update(Text(f"✗ {error}", style="bold red"))
            return
        self.dismiss(spec)

    def action_leave(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "dispatch-button":
            self.action_dispatch()
        else:
            self.action_leave()

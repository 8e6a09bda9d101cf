"""Property-based tests of every parser that reads what crosses a network or a disk: whatever
comes in, the answer is a value or our own clear error, never a crash."""

import io
import json
import zipfile
from pathlib import Path

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cibw_debug_tui.core import config, matrix, models
from cibw_debug_tui.core.answers import parse_link_next
from cibw_debug_tui.core.connection import (
    ConnectionFileError,
    parse_connection,
    parse_connection_zip,
)
from cibw_debug_tui.core.explain import explain_lines
from cibw_debug_tui.core.history import History
from cibw_debug_tui.core.ratelimit import RateLimit

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = ["format", "status", "stage", "ssh", "opened_at", "expires_at", "timeout_minutes",
          "message", "continue_command", "docker_exec", "claude", "actor"]  # fmt: skip
connection_like = st.fixed_dictionaries(
    {},
    optional={
        "format": st.sampled_from([1, 2, "1", None]),
        "status": st.sampled_from(["open", "refused", "?", None]),
        "stage": st.sampled_from(["before-build", "after-failure", "x"]),
        "ssh": st.one_of(st.text(), st.just("ssh abc@nyc1.tmate.io"), st.none()),
        "opened_at": st.one_of(st.text(), st.just("2026-11-26T15:00:00Z"), st.none()),
        "expires_at": st.one_of(st.text(), st.just("2026-11-26T15:30:00Z"), st.none()),
        "timeout_minutes": st.one_of(st.integers(-5, 100), st.booleans(), st.text()),
        "message": st.one_of(st.text(), st.integers()),
        "docker_exec": st.one_of(st.text(), st.none()),
    },
)


@SETTINGS
@given(st.one_of(json_values, connection_like))
def test_connection_file_never_crashes(data):
    try:
        conn = parse_connection(data)
    except ConnectionFileError as error:
        assert str(error)
    else:
        assert conn.status in ("open", "refused")
        assert conn.ssh is None or "\n" not in conn.ssh
        assert 1 <= conn.timeout_minutes <= 60


def zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


@SETTINGS
@given(
    st.one_of(
        st.binary(max_size=2000),
        st.builds(zipped, st.from_regex(r"[a-z][a-z0-9._-]{0,20}", fullmatch=True), st.binary()),
        connection_like.map(lambda d: zipped("c.json", json.dumps(d).encode())),
    )
)
def test_connection_zip_never_crashes(blob):
    try:
        parse_connection_zip(blob)
    except ConnectionFileError as error:
        assert str(error)


urls = st.from_regex(r"https://api\.github\.com/x\?page=[0-9]{1,3}", fullmatch=True)


@SETTINGS
@given(st.text())
def test_link_header_never_crashes(header):
    result = parse_link_next(header)
    assert result is None or isinstance(result, str)


@SETTINGS
@given(st.lists(st.tuples(urls, st.sampled_from(["next", "last", "prev", "first"])), max_size=4))
def test_link_header_finds_next(parts):
    header = ", ".join(f'<{url}>; rel="{rel}"' for url, rel in parts)
    expected = next((url for url, rel in parts if rel == "next"), None)
    assert parse_link_next(header) == expected


@SETTINGS
@given(st.dictionaries(
    st.sampled_from(["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset",
                     "x-ratelimit-resource", "x-other"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126)),
))  # fmt: skip
def test_rate_limit_headers_never_crash(headers):
    rate = RateLimit()
    rate.update(httpx.Headers(headers))
    assert isinstance(rate.describe(0), str)


@SETTINGS
@given(st.lists(st.one_of(st.binary(max_size=300), st.text(max_size=300)), max_size=80))
def test_log_excerpter_never_crashes_and_keeps_its_bounds(lines):
    result = explain_lines(lines)
    assert len(result.cause) <= 3 and len(result.excerpt) <= 15
    assert result.lines_read == len(lines)
    for cause in result.cause:
        assert 1 <= cause.line <= len(lines)
    assert result.found == bool(result.cause)


@SETTINGS
@given(st.text(max_size=400))
def test_config_file_never_crashes(tmp_path_factory, text):
    path = Path(tmp_path_factory.mktemp("cfg")) / "config.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        data = config.load_config(path)
    except config.ConfigError as error:
        assert str(path) in str(error)
    else:
        assert isinstance(data, dict) and set(data) <= config.KNOWN_KEYS


@SETTINGS
@given(st.text(max_size=400))
def test_history_file_never_crashes(tmp_path_factory, text):
    path = Path(tmp_path_factory.mktemp("hist")) / "history.yaml"
    path.write_text(text, encoding="utf-8")
    history = History(path).load()
    assert isinstance(history.sessions, list)
    if history.warning and "damaged" in history.warning:
        assert list(path.parent.glob("history.yaml.corrupt-*"))  # kept aside, not dropped


@SETTINGS
@given(st.text(max_size=30), st.text(max_size=12), st.text(max_size=12))
def test_matrix_check_never_crashes(runner, python, arch):
    combo = matrix.check(runner, python, arch)
    if combo.valid:
        assert combo.identifier and combo.build
    else:
        assert combo.reason


@SETTINGS
@given(st.text(max_size=60))
def test_repository_names_are_checked(name):
    try:
        assert config.validate_repo(name) == name
    except config.ConfigError as error:
        assert "not a repository name" in str(error)


READERS = [getattr(models, name) for name in dir(models) if name.startswith("read_")]
almost_answers = st.fixed_dictionaries(
    {},
    optional={
        key: json_values
        for key in ("jobs", "artifacts", "workflow_runs", "id", "status", "name", "steps",
                    "workflow_run_id", "html_url", "login", "resources", "full_name")
    },
)  # fmt: skip


@SETTINGS
@given(st.sampled_from(READERS), st.one_of(json_values, almost_answers))
def test_answer_readers_give_a_record_or_say_what_is_wrong(read, data):
    try:
        read(data)
    except models.Unreadable as error:
        assert str(error)

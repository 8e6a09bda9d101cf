"""Whatever a repository holds, reading its workflows gives an answer or a problem in words,
never a crash: random text, random bytes, and random workflow-shaped documents."""

import base64

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cibw_debug_tui.core.build_settings import BuildSettings, extract, settings_input
from cibw_debug_tui.core.build_settings.run_scripts import find_invocation
from cibw_debug_tui.core.contents import read_file_content, read_folder
from cibw_debug_tui.core.main_build import file_text
from cibw_debug_tui.core.matrix import check
from cibw_debug_tui.core.models import Unreadable

COMBOS = [
    check("ubuntu-latest", "cp312", "x86_64"),
    check("macos-15", "cp315", "arm64"),
    check("windows-11-arm", "cp314t", "ARM64"),
]
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def answered(result: BuildSettings) -> None:
    assert isinstance(result, BuildSettings)
    assert all(isinstance(p, str) and p for p in result.problems)
    for setting in result.settings:
        assert setting.name.startswith("CIBW_") and "\n" not in setting.value
    settings_input(result.values)  # what was extracted can always be sent


@FAST
@given(st.text(max_size=400), st.sampled_from(COMBOS))
def test_random_text_is_answered(text, combo):
    answered(extract({"w.yml": text}, combo, text))


@FAST
@given(st.binary(max_size=300), st.sampled_from(COMBOS))
def test_random_bytes_are_answered(data, combo):
    text = data.decode("utf-8", errors="replace")
    answered(extract({"w.yml": text}, combo, text))


KEYS = "jobs steps env with run uses strategy matrix include exclude runs-on if name os"
OPTIONS = "CIBW_BUILD CIBW_ARCHS CIBW_ENABLE CIBW_BEFORE_ALL CIBW_TEST_COMMAND CIBW_SKIP"
INPUTS = "CIBW_PLATFORM package-dir only output-dir config-file"
WORDS = st.sampled_from(f"{KEYS} {OPTIONS} {INPUTS}".split())
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.sampled_from(
        [
            "pypa/cibuildwheel@v4.2.0",
            "ubuntu-latest",
            "macos-15",
            "windows-11-arm",
            "${{ matrix.os }}",
            "${{ matrix.os || 'ubuntu-latest' }}",
            "${{ secrets.X }}",
            "${{ fromJSON(needs.a.outputs.m) }}",
            "${{ matrix[0] }}",
            "python -m cibuildwheel --platform linux --output-dir w .",
            "pipx run cibuildwheel==2.1 --only cp312-win_arm64",
            "cp3{12,13}-*",
            "auto aarch64",
            "a\nb\n",
            "if x; then\n  y\nfi",
        ]
    ),
    st.text(max_size=20),
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(WORDS, children, max_size=5)
    ),
    max_leaves=40,
)


@FAST
@given(DOCUMENTS, st.sampled_from(COMBOS))
def test_random_workflow_shaped_documents_are_answered(document, combo):
    text = yaml.safe_dump(document)
    answered(extract({"w.yml": text}, combo))


@FAST
@given(
    st.dictionaries(WORDS, DOCUMENTS, max_size=4),
    st.lists(st.dictionaries(WORDS, SCALARS, max_size=5), max_size=4),
    st.sampled_from(COMBOS),
)
def test_random_jobs_are_answered(job, steps, combo):
    job = {
        **job,
        "runs-on": "${{ matrix.os }}",
        "steps": [*steps, {"uses": "pypa/cibuildwheel@v4"}],
    }
    text = yaml.safe_dump({"jobs": {"build": job}})
    answered(extract({"w.yml": text}, combo))


@FAST
@given(st.text(alphabet=st.sampled_from(list("cibuildwheel -=|&;'\"\\\n$(){}x")), max_size=120))
def test_random_scripts_never_crash_the_command_finder(script):
    find_invocation(script)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                 max_size=5),
    max_leaves=20,
)  # fmt: skip
ENTRY_KEYS = st.fixed_dictionaries(
    {"type": JSON | st.just("file"), "name": JSON | st.just("w.yml"), "path": JSON,
     "sha": JSON, "size": JSON | st.integers(-5, 10**7), "encoding": JSON | st.just("base64"),
     "content": JSON | st.binary(max_size=60).map(lambda b: base64.b64encode(b).decode())}
)  # fmt: skip


@FAST
@given(JSON | ENTRY_KEYS | st.lists(ENTRY_KEYS, max_size=3))
def test_any_contents_answer_is_read_or_refused_in_words(answer):
    """What the contents API sends: a folder or a file record, or Unreadable; a file's text,
    or ValueError in words (core/main_build.py's decoding)."""
    for read in (read_folder, read_file_content):
        try:
            record = read(answer)
        except Unreadable as error:
            assert str(error)
            continue
        if read is read_file_content:
            try:
                text = file_text("w.yml", record["encoding"], record["content"], record["size"])
            except ValueError as error:
                assert "w.yml" in str(error)
            else:
                assert isinstance(text, str)

"""GitHub Actions expressions: what is known before a run is evaluated, the rest is refused with
the reason, and no text makes the evaluator crash."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cibw_debug_tui.core.actions_expr import (
    Unresolved,
    evaluate,
    evaluate_value,
    interpolate,
    literals,
)

CONTEXT = {
    "matrix": {
        "os": "ubuntu-latest",
        "buildplat": ["macos-14", "macosx_arm64", "accelerate"],
        "cibw": {"build": "pp*", "arch": "arm64"},
        "emulated": False,
        "python": "cp312",
    },
    "runner": {"os": "Linux", "arch": "X64"},
}


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("matrix.os", "ubuntu-latest"),
        ("matrix.buildplat[1]", "macosx_arm64"),
        ("matrix['buildplat'][2]", "accelerate"),
        ("matrix.cibw.build || '*'", "pp*"),
        ("matrix.cibw.skip || ''", ""),  # a missing key is null
        ("matrix.platform || 'auto'", "auto"),
        ("matrix.emulated && matrix.arch || ''", ""),
        ("!matrix.emulated", True),
        ("matrix.os == 'UBUNTU-LATEST'", True),  # strings compare ignoring case
        ("runner.arch == 'X64' && 'auto ppc64le s390x' || 'auto'", "auto ppc64le s390x"),
        ("startsWith(matrix.buildplat[0], 'macos-')", True),
        ("endsWith(matrix.os, 'LATEST')", True),
        ("contains(matrix.buildplat, 'accelerate')", True),
        ("format('{0}-{1}*', matrix.python, 'manylinux')", "cp312-manylinux*"),
        ("format('{{literal}} {0}', 1)", "{literal} 1"),
        ("join(matrix.buildplat, ' ')", "macos-14 macosx_arm64 accelerate"),
        ("fromJSON('{\"a\": [1, 2]}').a[1]", 2),
        ("1 == '1'", True),
        ("null == ''", True),
        ("0x10 == 16", True),
        ("'it''s'", "it's"),
        ("(matrix.os == 'x') && 'a' || 'b'", "b"),
        ("3 > 2 && 2 >= 2 && 'a' < 'B'", True),
        ("success() && !cancelled()", True),
    ],
)
def test_evaluates_what_is_known_before_the_run(expression, value):
    assert evaluate(expression, CONTEXT) == value


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("secrets.PYPI_TOKEN", "reads the secret secrets.PYPI_TOKEN, which is never copied"),
        ("vars.CIBW_SKIP", "configuration variable vars.CIBW_SKIP"),
        ("github.event.pull_request.head.sha", "event that started the main build"),
        ("needs.setup.outputs.matrix", "output of another job (needs.setup)"),
        ("steps.version.outputs.v", "output of an earlier step (steps.version)"),
        ("env.GEOS_VERSION", "reads env.GEOS_VERSION while the main build runs"),
        ("inputs.python", "input of the workflow (inputs.python)"),
        ("runner.temp", "runner while it runs (runner.temp)"),
        ("strategy.job-index", "place in the matrix"),
        ("hashFiles('**/pyproject.toml')", "hashes files of the checkout"),
        ("github.event.pull_request.labels.*.name", "event that started the main build"),
        ("matrix.x || secrets.Y", "secret secrets.Y"),  # matrix.x is null: the secret decides
        ("unknown_thing.x", "cannot evaluate"),
        ("matrix.os ==", "not a valid expression"),
        ("'unterminated", "not a valid expression"),
        ("format('{3}', 1)", "not a valid expression"),
        ("format('{²}', 1)", "not a valid expression"),  # a digit to isdigit(), not to int()
        ("contains('a')", "not a valid expression"),
    ],
)
def test_refuses_what_is_known_only_while_it_runs(expression, reason):
    with pytest.raises(Unresolved, match=re.escape(reason)):
        evaluate(expression, CONTEXT)


def test_a_known_left_side_decides_or_and_and_without_the_unknown_right_side():
    assert evaluate("matrix.os || secrets.Y", CONTEXT) == "ubuntu-latest"
    assert evaluate("matrix.emulated && github.ref", CONTEXT) is False


def test_a_matrix_computed_at_run_time_is_refused_with_its_own_reason():
    context = {"matrix": Unresolved("uses a matrix computed while the main build runs")}
    with pytest.raises(Unresolved, match="matrix computed while"):
        evaluate("matrix.os", context)


def test_interpolation_writes_values_as_github_does():
    text = "${{ matrix.python }}-${{ matrix.buildplat[1] }}* ${{ matrix.emulated }} ${{ null }}"
    assert interpolate(text, CONTEXT) == "cp312-macosx_arm64* false "
    assert evaluate_value("${{ matrix.buildplat }}", CONTEXT) == CONTEXT["matrix"]["buildplat"]
    assert evaluate_value(" plain text ", CONTEXT) == " plain text "
    with pytest.raises(Unresolved, match="without its closing"):
        interpolate("a ${{ matrix.os", CONTEXT)


def test_literals_are_the_runners_a_dynamic_runs_on_may_choose():
    text = "(matrix.arch == 'aarch64') && 'ubuntu-24.04-arm' || 'ubuntu-24.04'"
    assert literals(text) == ["aarch64", "ubuntu-24.04-arm", "ubuntu-24.04"]


def test_huge_and_deep_expressions_are_refused_in_words():
    with pytest.raises(Unresolved, match="too long"):
        evaluate(" || ".join(["matrix.os"] * 2000), CONTEXT)
    with pytest.raises(Unresolved, match="nested too deeply"):
        evaluate("(" * 60 + "1" + ")" * 60, CONTEXT)
    assert evaluate(" || ".join(["matrix.nothing"] * 200) + " || 'x'", CONTEXT) == "x"


EXPRESSION_CHARACTERS = st.sampled_from(list("matrix.os[]()'!=|&<>,0123 aZ_-*{}$\\\""))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=EXPRESSION_CHARACTERS, max_size=80))
def test_no_text_crashes_the_evaluator(text):
    try:
        evaluate(text, CONTEXT)
    except Unresolved as why:
        assert str(why)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_no_template_crashes_interpolation(text):
    try:
        interpolate(text, CONTEXT)
    except Unresolved as why:
        assert str(why)

"""The valid-combination matrix: today's runners, cibuildwheel's names, and reasons people read."""

import pytest

from cibw_debug_tui.core import matrix


def test_offers_todays_runners_and_never_retired_ones():
    offered = {r.label for r in matrix.RUNNERS}
    for label in (
        "ubuntu-latest",
        "ubuntu-24.04-arm",
        "macos-latest",
        "macos-15-intel",
        "windows-2025",
        "windows-latest",
        "windows-11-arm",
    ):
        assert label in offered
    assert not offered & {"macos-13", "macos-14", "windows-2019", "ubuntu-20.04"}
    assert {c.runner for c in matrix.all_combinations()} == offered


def test_runner_cpus_match_the_hosted_images():
    cpu = {r.label: r.cpu for r in matrix.RUNNERS}
    assert cpu["ubuntu-latest"] == "x64"
    assert cpu["ubuntu-24.04-arm"] == "arm64"
    assert cpu["macos-latest"] == "arm64"
    assert cpu["macos-15-intel"] == "x64"
    assert cpu["windows-2025"] == "x64"
    assert cpu["windows-11-arm"] == "arm64"


@pytest.mark.parametrize(
    ("runner", "replacement"),
    [("macos-13", "macos-15-intel"), ("macos-14", "macos-15"), ("windows-2019", "windows-2025")],
)
def test_retired_runner_is_refused_with_its_replacement(runner, replacement):
    combo = matrix.check(runner, "cp312", "x86_64")
    assert not combo.valid
    assert "retired" in combo.reason
    assert combo.reason.endswith(f"use {replacement}")


def test_pythons_cover_cp39_to_cp315t_with_prereleases_marked():
    tags = [p.tag for p in matrix.PYTHONS]
    assert tags[:7] == ["cp39", "cp310", "cp311", "cp312", "cp313", "cp314", "cp314t"]
    assert {p.tag for p in matrix.PYTHONS if p.prerelease} == {"cp315", "cp315t"}
    combo = matrix.check("ubuntu-latest", "cp315t", "x86_64")
    # Release candidates are built by default since cibuildwheel 4.2.0: no CIBW_ENABLE.
    assert combo.prerelease and "CIBW_ENABLE" not in combo.settings


@pytest.mark.parametrize(
    ("runner", "python", "arch", "identifier", "build"),
    [
        ("ubuntu-latest", "cp312", "x86_64", "cp312-manylinux_x86_64", "native"),
        ("ubuntu-latest", "cp310", "i686", "cp310-manylinux_i686", "native"),
        ("ubuntu-latest", "cp311", "aarch64", "cp311-manylinux_aarch64", "emulated"),
        ("ubuntu-24.04-arm", "cp314t", "aarch64", "cp314t-manylinux_aarch64", "native"),
        ("ubuntu-latest", "cp313", "s390x", "cp313-manylinux_s390x", "emulated"),
        ("macos-latest", "cp313", "universal2", "cp313-macosx_universal2", "native"),
        ("macos-latest", "cp312", "x86_64", "cp312-macosx_x86_64", "cross-compiled"),
        ("macos-15-intel", "cp311", "arm64", "cp311-macosx_arm64", "cross-compiled"),
        ("macos-15-intel", "cp39", "x86_64", "cp39-macosx_x86_64", "native"),
        ("windows-2025", "cp39", "x86", "cp39-win32", "native"),
        ("windows-latest", "cp310", "AMD64", "cp310-win_amd64", "native"),
        ("windows-latest", "cp313", "ARM64", "cp313-win_arm64", "cross-compiled"),
        ("windows-11-arm", "cp313", "ARM64", "cp313-win_arm64", "native"),
    ],
)
def test_identifiers_and_build_kinds(runner, python, arch, identifier, build):
    combo = matrix.check(runner, python, arch)
    assert combo.valid, combo.reason
    assert (combo.identifier, combo.build) == (identifier, build)
    assert combo.settings["CIBW_BUILD"] == identifier
    assert combo.settings["CIBW_ARCHS"] == arch
    assert combo.settings["CIBW_BUILD_VERBOSITY"] == "3"
    assert combo.settings["CIBW_DEBUG_TRACEBACK"] == "1"
    assert ("CIBW_DEBUG_KEEP_CONTAINER" in combo.settings) == runner.startswith("ubuntu")


def test_cross_compiled_tests_are_described():
    assert matrix.check("macos-15-intel", "cp312", "arm64").tests == "cannot run"
    assert matrix.check("windows-latest", "cp312", "ARM64").tests == "cannot run"
    assert matrix.check("macos-latest", "cp312", "x86_64").tests == "run under Rosetta 2"
    assert "QEMU" in matrix.check("ubuntu-latest", "cp312", "ppc64le").tests


@pytest.mark.parametrize(
    ("runner", "arch", "pointer"),
    [
        ("ubuntu-latest", "arm64", "aarch64"),
        ("ubuntu-24.04-arm", "ARM64", "aarch64"),
        ("macos-latest", "aarch64", "arm64"),
        ("windows-latest", "x86_64", "AMD64"),
        ("windows-11-arm", "aarch64", "ARM64"),
    ],
)
def test_other_platforms_arch_names_point_to_this_ones(runner, arch, pointer):
    combo = matrix.check(runner, "cp312", arch)
    assert not combo.valid
    assert f'use arch "{pointer}"' in combo.reason


def test_arch_names_match_case_insensitively_like_cibuildwheel():
    combo = matrix.check("windows-11-arm", "cp312", "arm64")
    assert combo.valid and combo.arch == "ARM64" and combo.identifier == "cp312-win_arm64"


def test_windows_arm_runner_refuses_x64_wheels_with_a_reason():
    combo = matrix.check("windows-11-arm", "cp312", "AMD64")
    assert not combo.valid
    assert "windows-latest" in combo.reason


@pytest.mark.parametrize(
    ("python", "words"),
    [
        ("cp38", "dropped in cibuildwheel v4.0.0"),
        ("cp37", "dropped in cibuildwheel v3.0.0"),
        ("cp313t", "use cp314t"),
        ("pp310", "not CPython"),
        ("3.12", "not a CPython tag"),
        ("pp39\n", "not a CPython tag"),
    ],
)
def test_unbuildable_pythons_say_why(python, words):
    combo = matrix.check("ubuntu-latest", python, "x86_64")
    assert not combo.valid
    assert words in combo.reason


def test_unknown_runner_label_is_refused():
    combo = matrix.check("ubuntu-latest-16-cores", "cp312", "x86_64")
    assert not combo.valid and "not a GitHub-hosted runner label" in combo.reason


def test_every_invalid_combination_has_a_one_line_reason_and_no_identifier():
    for combo in matrix.all_combinations():
        if combo.valid:
            assert combo.identifier and combo.build and combo.reason is None
        else:
            assert combo.identifier is None and combo.build is None
            assert combo.reason and "\n" not in combo.reason and len(combo.reason) < 120


def test_identifiers_are_unique_per_runner():
    seen = set()
    for combo in matrix.all_combinations():
        if combo.valid:
            key = (combo.runner, combo.identifier)
            assert key not in seen
            seen.add(key)

"""The build steps: settings reach cibuildwheel, the log is kept, failures still fail."""

import json

import pytest
from workflow_harness import load_workflow, run_script, run_validate, step

from cibw_debug_tui.core import workflow_contract as contract

SETTINGS_ENV = {"IDENTIFIER": "cp312-manylinux_x86_64", "PACKAGE_DIR": ".", "RUNNER_LABEL": "x"}


def validated_settings(tmp_path, **inputs) -> str:
    result = run_validate(tmp_path / "validate", **inputs)
    assert result.returncode == 0, result.stderr
    return result.outputs["settings"]


def test_prepare_exports_exactly_the_validated_settings_and_reports_the_environment(tmp_path):
    settings = validated_settings(tmp_path, EXTRA_SETTINGS='{"CIBW_TEST_SKIP": "*"}')
    result = run_script(
        step("debug", "prepare")["run"], {**SETTINGS_ENV, "SETTINGS": settings}, tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.env_file.splitlines() == settings.splitlines()
    report = (tmp_path / "logs" / "environment.txt").read_text()
    assert "CIBW_BUILD=cp312-manylinux_x86_64" in report
    assert "cibuildwheel 4.2.0" in report
    identifiers = (tmp_path / "logs" / "build-identifiers.txt").read_text()
    assert identifiers.strip() == "cp312-manylinux_x86_64"
    assert "::warning" not in result.stdout


def test_prepare_reads_windows_crlf_identifiers(tmp_path):
    # cibuildwheel prints identifiers with CRLF on Windows: still the one to build.
    settings = validated_settings(tmp_path, RUNNER_LABEL="windows-latest", ARCH="AMD64")
    env = {**SETTINGS_ENV, "IDENTIFIER": "cp312-win_amd64", "SETTINGS": settings,
           "RUNNER_OS": "Windows", "FAKE_IDENTIFIERS_CRLF": "1"}  # fmt: skip
    result = run_script(step("debug", "prepare")["run"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "logs" / "build-identifiers.txt").read_bytes() == b"cp312-win_amd64\r\n"
    assert "::warning" not in result.stdout


@pytest.mark.parametrize("crlf", ["", "1"])
def test_prepare_warns_when_the_projects_own_config_skips_the_identifier(tmp_path, crlf):
    settings = validated_settings(tmp_path)
    others = "cp311-manylinux_x86_64 cp312-manylinux_x86_64x"
    env = {**SETTINGS_ENV, "SETTINGS": settings, "FAKE_IDENTIFIERS": others,
           "FAKE_IDENTIFIERS_CRLF": crlf}  # fmt: skip
    result = run_script(step("debug", "prepare")["run"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "::warning title=Nothing to build::" in result.stdout


def test_environment_report_lists_variable_names_but_no_values(tmp_path):
    settings = validated_settings(tmp_path)
    secret = "ghp_SHOULDNOTAPPEAR1234567890"
    env = {**SETTINGS_ENV, "SETTINGS": settings, "SOME_TOKEN": secret, "KEY": f"a\n{secret}"}
    assert run_script(step("debug", "prepare")["run"], env, tmp_path).returncode == 0
    report = (tmp_path / "logs" / "environment.txt").read_text()
    assert "SOME_TOKEN" in report and "SHOULDNOTAPPEAR" not in report


def build_env(tmp_path, **extra):
    (tmp_path / "logs").mkdir(parents=True, exist_ok=True)
    settings = validated_settings(tmp_path)
    env = dict(line.split("=", 1) for line in settings.splitlines())
    return {**SETTINGS_ENV, **env, **extra}


def test_build_runs_cibuildwheel_verbosely_and_keeps_its_log(tmp_path):
    result = run_script(step("debug", "build")["run"], build_env(tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr
    log = (tmp_path / "logs" / "build.log").read_text()
    assert "building cp312-manylinux_x86_64 for x86_64 at verbosity 3" in log


def test_a_failed_build_fails_the_step_even_through_tee(tmp_path):
    env = build_env(tmp_path, FAKE_BUILD_FAIL="1")
    result = run_script(step("debug", "build")["run"], env, tmp_path)
    assert result.returncode == 1
    assert "fatal error: ffi.h" in (tmp_path / "logs" / "build.log").read_text()


def test_prepare_installs_the_contracts_cibuildwheel():
    run = step("debug", "prepare")["run"]
    assert f"cibuildwheel=={contract.CIBUILDWHEEL_VERSION}\n" in run


def test_a_failed_build_publishes_its_log_before_the_after_failure_session():
    steps = load_workflow()["jobs"]["debug"]["steps"]
    names = [s["name"] for s in steps]
    publish = steps[names.index(contract.BUILDLOG_STEP)]
    assert publish["if"] == "steps.build.outcome == 'failure'"
    assert publish["uses"].startswith("actions/upload-artifact@")
    assert publish["with"]["path"] == f"logs/{contract.BUILD_LOG_FILE}"
    assert publish["with"]["name"] == contract.buildlog_artifact("${{ github.run_attempt }}")
    build = next(i for i, s in enumerate(steps) if s.get("id") == "build")
    assert build + 1 == names.index(contract.BUILDLOG_STEP)
    assert names.index(contract.BUILDLOG_STEP) < names.index(contract.open_step("after-failure"))


def test_report_step_turns_the_build_outcome_into_the_job_result(tmp_path):
    script = step("debug", "Report the build result")["run"]
    env = {"IDENTIFIER": "cp312-manylinux_x86_64"}
    assert run_script(script, {**env, "BUILD_OUTCOME": "success"}, tmp_path / "a").returncode == 0
    failed = run_script(script, {**env, "BUILD_OUTCOME": "failure"}, tmp_path / "b")
    assert failed.returncode == 1 and "::error title=Build failed::" in failed.stdout
    skipped = run_script(script, {**env, "BUILD_OUTCOME": "skipped"}, tmp_path / "c")
    assert skipped.returncode == 1 and "did not run" in skipped.stdout


def test_hostile_setting_values_stay_data_through_prepare(tmp_path):
    canary = tmp_path / "canary"
    value = f'"; touch {canary}; " $(touch {canary}) `touch {canary}`'
    settings = validated_settings(tmp_path, EXTRA_SETTINGS=json.dumps({"CIBW_TEST_SKIP": value}))
    env = {**SETTINGS_ENV, "SETTINGS": settings}
    result = run_script(step("debug", "prepare")["run"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert not canary.exists()
    assert f"CIBW_TEST_SKIP={value}" in result.env_file.splitlines()

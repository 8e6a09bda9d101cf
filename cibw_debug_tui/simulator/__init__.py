"""A GitHub-compatible simulator: the demo's engine and the test bed. No Textual."""

# Here, not in runs.py, so that the CLI can offer them without importing the simulator.
# "timed-out": the build job hits its time limit; the run fails, no job says "failure".
SCENARIOS = ("success", "build-failure", "cancelled", "ssh-timeout", "never-picked-up",
             "timed-out", "demo")  # fmt: skip

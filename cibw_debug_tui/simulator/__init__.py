"""A GitHub-compatible simulator: the demo's engine and the test bed. No Textual."""

# Here, not in runs.py, so that the CLI can offer them without importing the simulator.
SCENARIOS = ("success", "build-failure", "cancelled", "ssh-timeout", "never-picked-up", "demo")

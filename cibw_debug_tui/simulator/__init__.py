"""A GitHub-compatible simulator: the demo's engine and the test bed. No Textual."""

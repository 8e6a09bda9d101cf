"""The core: everything the dashboard knows, without Textual, so the CLI and tests share it."""

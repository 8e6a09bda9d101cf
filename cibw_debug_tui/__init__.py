"""cibw-debug-tui: dispatch, watch and SSH into cibuildwheel debug builds on GitHub Actions."""

__version__ = "0.1.0"

"""The Textual dashboard, on top of the core (which never imports Textual)."""

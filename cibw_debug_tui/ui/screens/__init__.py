"""The screens pushed over the dashboard: the dispatch form, confirmations, the full log."""

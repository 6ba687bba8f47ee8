"""The project's own tools (not installed): ``tools.release`` is ``make release``."""

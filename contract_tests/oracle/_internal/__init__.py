"""The oracle, one module per domain; ``oracle/__init__.py`` re-exports the public names."""

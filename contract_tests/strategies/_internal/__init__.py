"""The kit's strategies, one module per domain; ``strategies/__init__.py`` re-exports the
public ones."""

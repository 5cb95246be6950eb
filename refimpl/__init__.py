"""MobileCoin reference implementation."""

#: The version of this reference implementation (single source: pyproject.toml reads it).
__version__ = "0.2.0"

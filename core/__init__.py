"""Longread's engine: documents, the library, retrieval, models and answer modes (no Qt here)."""

__version__ = "0.1.0"

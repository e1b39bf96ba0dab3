from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def smollm():
    """The bundled default model, loaded once for the whole session (as the app shares it)."""
    from core.llm import get_backend

    return get_backend("default")

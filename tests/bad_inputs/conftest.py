"""Fixtures for the bad-input catalogue: bad files are generated into tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def bad_file(tmp_path: Path) -> Callable[[Callable[[Path], Path]], Path]:
    """Run a generator from ``tests/bad_inputs/files.py`` in a fresh folder; return its path."""

    def make(generator: Callable[[Path], Path]) -> Path:
        return generator(tmp_path)

    return make

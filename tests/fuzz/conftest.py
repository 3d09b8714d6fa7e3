"""The "fuzz" hypothesis profile; fuzz tests are skipped unless it is loaded.

``make fuzz`` runs ``pytest -q tests/fuzz --hypothesis-profile=fuzz``. The
default ``make test`` run collects these tests but skips them, so CI stays fast.
Set ``BORDERKIT_FUZZ_EXAMPLES`` to change the number of examples per test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

FUZZ_EXAMPLES = int(os.environ.get("BORDERKIT_FUZZ_EXAMPLES", "1000"))

settings.register_profile(
    "fuzz",
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
    print_blob=True,
)

HERE = Path(__file__).parent


def fuzzing() -> bool:
    return settings.get_current_profile_name() == "fuzz"


def pytest_collection_modifyitems(config, items):
    if fuzzing():
        return
    skip = pytest.mark.skip(reason="fuzz test: run with `make fuzz` (--hypothesis-profile=fuzz)")
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(skip)

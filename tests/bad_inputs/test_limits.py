"""The resource-limit harness itself: it must catch a memory hog and a hang.

The bounded-resource cases of each stage live in ``test_limits_*.py`` and use
:func:`limits.run_limited`; these tests show that a breach fails them.
"""

from __future__ import annotations

from .limits import run_limited


def test_a_memory_hog_is_stopped_and_reported():
    got = run_limited("b = bytearray(2 * 1024**3)\nprint(len(b))", memory_mb=256)
    assert got.out_of_memory, got
    assert "ran out of" in got.within_limits()


def test_a_hang_is_stopped_and_reported():
    got = run_limited("import time\nwhile True: time.sleep(0.05)", seconds=1.0, grace=8.0)
    assert got.timed_out
    assert "time limit" in got.within_limits()


def test_a_quick_small_call_is_within_limits():
    got = run_limited("print(bk.distance((68.78, 38.56), (71.55, 37.49)) > 0)")
    assert got.within_limits() == "", got
    assert got.stdout.strip() == "True"

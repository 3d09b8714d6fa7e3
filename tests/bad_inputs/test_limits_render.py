"""Bounded time and memory in rendering: the print map's label placement.

Each test builds its input in ``tmp_path`` and runs one public call under
:func:`limits.run_limited` (1 GB beyond an idle import, 10 s).
"""

from __future__ import annotations

from .limits import run_limited

# 1,000 labelled towns in a 7° x 5° box: a print map where labels crowd each other,
# so most try every one of their 40 candidate spots
_TOWNS = """
import numpy as np, geopandas as gpd, shapely
rng = np.random.default_rng(1)
n = 1000
towns = gpd.GeoDataFrame({"name": [f"Place {i}" for i in range(n)]},
                         geometry=shapely.points(rng.uniform(68, 75, n), rng.uniform(36, 41, n)),
                         crs=4326)
bk.render_static(bk.BriefSpec(title="warm-up", layers=[bk.Layer(towns.iloc[:2], kind="town")],
                              uncertainty=False, inset=False), dpi=72)
_t0 = _t.perf_counter()  # the clock restarts here: matplotlib's start-up is not the input's
"""


def test_one_thousand_labels_are_placed_in_linear_time(tmp_path):
    """76 s before the fix (every candidate spot of every label measured the text again
    and scanned every earlier label); now the text is measured once and nearby boxes
    come from a grid."""
    code = _TOWNS + """
spec = bk.BriefSpec(title="1,000 towns", layers=[bk.Layer(towns, kind="town", labels=True)],
                    uncertainty=False, inset=False)
fig = bk.render_static(spec, dpi=100)
print(len(fig.borderkit.labels), sum("overlaps other map text" in n for n in fig.borderkit.report))
"""
    got = run_limited(code, tmp_path)
    assert got.within_limits() == "", got
    placed, crowded = map(int, got.stdout.split())
    assert placed == 1000 and 0 < crowded < 1000  # crowded: some labels had no free spot

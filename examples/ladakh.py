"""A brief map for another border: Leh, Ladakh and the China–India line.

Everything comes from the data shipped in the wheel (world base and gazetteer), offline:

    python examples/ladakh.py out/
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd

import borderkit as bk


def spec() -> bk.BriefSpec:
    """The Ladakh brief: Leh and Kargil, the distance from Leh to the China–India border."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bk.AmbiguousNameWarning)  # Kargil: also in Pakistan
        leh = bk.place("Leh")
        kargil = bk.place("Kargil", country="IND")
    towns = gpd.GeoDataFrame(pd.concat([leh, kargil], ignore_index=True), crs="EPSG:4326")
    return bk.BriefSpec(
        title="Ladakh: Leh and the China–India line",
        layers=[bk.Layer("countries"), bk.Layer(towns, labels=True, name="Town (GeoNames)")],
        distance_lines=[bk.DistanceLine(leh, bk.border("CHN", "IND"))],
        rings=[bk.RangeRings(leh, [100e3, 200e3])],
        sources=["GeoNames (CC BY 4.0)", "OpenStreetMap via geo-maps (ODbL)"],
        terrain=True, water=True, country_names=True, subject="IND",
    )


def main(out: str = "out") -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    brief = spec()
    bk.brief_map(brief).save(folder / "ladakh.html")
    bk.render_static(brief, folder / "ladakh-print.png", page="A4-landscape")
    print(f"wrote {folder / 'ladakh.html'} and {folder / 'ladakh-print.png'}")


if __name__ == "__main__":
    main(*sys.argv[1:])

"""Russia's 201st military base in Tajikistan: its sites and their distance to the Afghan border.

The 201st base is spread over garrisons in Dushanbe, Bokhtar (formerly Kurgan-Tyube)
and Kulob (Russian Ministry of Defence; Jamestown Foundation, Eurasia Daily Monitor,
2012-2019). The points are the towns' GeoNames centres, not the garrisons themselves,
and their ``precision_m`` says so.

    python examples/russia_201st.py out/
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd

import borderkit as bk

SITES = ("Dushanbe", "Bokhtar", "Kulob")


def spec() -> bk.BriefSpec:
    """The sites, a distance line from each to the Afghanistan–Tajikistan border, 50 km rings."""
    sites = [bk.place(name) for name in SITES]
    frame = gpd.GeoDataFrame(pd.concat(sites, ignore_index=True), crs="EPSG:4326")
    afghan = bk.border("AFG", "TJK")
    return bk.BriefSpec(
        title="Russia's 201st base: distance of its garrison towns to the Afghan border",
        layers=[bk.Layer("countries"), bk.Layer(afghan, name="Afghanistan–Tajikistan border"),
                bk.Layer(frame, labels=True, name="201st base garrison town")],
        distance_lines=[bk.DistanceLine(site, afghan) for site in sites],
        rings=[bk.RangeRings(sites[0], [50e3])],
        sources=["Russian Ministry of Defence; Jamestown Foundation, Eurasia Daily Monitor "
                 "(2012-2019): garrisons in Dushanbe, Bokhtar and Kulob"],
        terrain=True, water=True, country_names=True, subject="TJK",
    )


def main(out: str = "out") -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    brief = spec()
    bk.brief_map(brief).save(folder / "russia-201st.html")
    bk.render_static(brief, folder / "russia-201st-print.png", page="A4-landscape")
    print(f"wrote {folder / 'russia-201st.html'} and {folder / 'russia-201st-print.png'}")


if __name__ == "__main__":
    main(*sys.argv[1:])

"""Fuzz read_layer / write_layer / parse_coordinate with hypothesis.

The property: whatever the bytes, the loader either returns a clean
GeoDataFrame (EPSG:4326, finite in-range 2D coordinates, valid non-empty
geometries) or raises a :class:`~borderkit.BorderkitError`. Never another
exception, never a hang. Run with ``make fuzz``.
"""

from __future__ import annotations

import functools
import io
import json
import tempfile
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon

from borderkit import BorderkitError, EncodingError, parse_coordinate
from borderkit.io import read_layer, write_layer

EXTS = [".geojson", ".json", ".kml", ".kmz", ".csv", ".gpkg", ".shp", ".txt"]


def seed_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["Мурғоб", "杜尚别", "دوشنبه"], "n": [1, 2, 3], "v": [0.5, 1.5, 2.5]},
        geometry=[
            Point(73.965, 38.169),
            Polygon([(73, 38), (74, 38), (74, 39), (73, 39)]),
            Point(68.78, 38.53),
        ],
        crs="EPSG:4326",
    )


@functools.cache
def seeds() -> dict[str, dict[str, bytes]]:
    """Valid files of every format (with sidecars), as bytes, to mutate."""
    out: dict[str, dict[str, bytes]] = {}
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for ext in ("geojson", "kml", "kmz", "csv", "gpkg", "shp"):
            folder = Path(tmp) / ext
            folder.mkdir()
            frame = seed_frame()
            if ext in ("csv", "shp"):
                frame = frame[frame.geom_type == "Point"]
            write_layer(frame, folder / f"seed.{ext}")
            out[ext] = {p.name: p.read_bytes() for p in folder.iterdir()}
    return out


SEED_FORMATS = ["csv", "geojson", "gpkg", "kml", "kmz", "shp"]


def check_loaded(path: Path, **kwargs) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            gdf = read_layer(path, **kwargs)
        except BorderkitError:
            return
    assert gdf.crs is not None and gdf.crs.to_epsg() == 4326
    geoms = gdf.geometry.to_numpy()
    assert not pd.isna(geoms).any()
    assert not shapely.is_empty(geoms).any()
    assert not shapely.has_z(geoms).any()
    assert shapely.is_valid(geoms).all(), shapely.is_valid_reason(geoms)
    xy = shapely.get_coordinates(geoms)
    assert np.isfinite(xy).all()
    assert (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all()
    assert "borderkit_report" in gdf.attrs


@given(data=st.binary(max_size=4000), ext=st.sampled_from(EXTS))
def test_random_bytes(tmp_path, data, ext):
    path = tmp_path / f"random{ext}"
    path.write_bytes(data)
    check_loaded(path)


MUTATION = st.tuples(
    st.sampled_from(["flip", "truncate", "insert", "delete", "duplicate"]),
    st.floats(0, 1),
    st.binary(min_size=1, max_size=16),
)


def mutate(data: bytes, ops: list[tuple[str, float, bytes]]) -> bytes:
    buf = bytearray(data)
    for op, where, payload in ops:
        if not buf:
            buf.extend(payload)
            continue
        i = min(int(where * len(buf)), len(buf) - 1)
        if op == "flip":
            buf[i] ^= payload[0] or 1
        elif op == "truncate":
            del buf[i:]
        elif op == "insert":
            buf[i:i] = payload
        elif op == "delete":
            del buf[i : i + len(payload)]
        else:
            buf[i:i] = buf[i : i + 64]
    return bytes(buf)


@given(
    fmt=st.sampled_from(SEED_FORMATS),
    which=st.integers(0, 10),
    ops=st.lists(MUTATION, min_size=1, max_size=4),
)
def test_mutated_valid_files(tmp_path, fmt, which, ops):
    for stale in tmp_path.iterdir():
        stale.unlink()
    files = seeds()[fmt]
    names = sorted(files)
    target = names[which % len(names)]
    for name, data in files.items():
        (tmp_path / name).write_bytes(mutate(data, ops) if name == target else data)
    check_loaded(tmp_path / f"seed.{fmt}")


FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-200, 200),
    st.integers(-1000, 1000),
    st.sampled_from(["74.8", None, True, [], {}]),
)
POSITION = st.lists(FLOATS, min_size=0, max_size=4)
NESTED = st.recursive(POSITION, lambda inner: st.lists(inner, max_size=6), max_leaves=40)
GEOM_TYPE = st.sampled_from(
    [
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
        "Circle",
        None,
        7,
    ]
)


@st.composite
def geometry(draw, depth=0):
    gtype = draw(GEOM_TYPE)
    if draw(st.booleans()) and depth == 0:
        return None
    if gtype == "GeometryCollection" and depth < 2:
        return {"type": gtype, "geometries": draw(st.lists(geometry(depth + 1), max_size=3))}
    return {"type": gtype, "coordinates": draw(NESTED)}


@st.composite
def geojson_doc(draw):
    feats = []
    for _ in range(draw(st.integers(0, 4))):
        feat = {
            "type": draw(st.sampled_from(["Feature", "Feature", "feature", None])),
            "properties": draw(
                st.one_of(
                    st.none(),
                    st.dictionaries(st.text(max_size=5), st.text(max_size=8), max_size=3),
                    st.integers(),
                )
            ),
            "geometry": draw(geometry()),
        }
        feats.append(feat)
    doc = {
        "type": draw(st.sampled_from(["FeatureCollection", "Feature", "Point", "x"])),
        "features": feats,
    }
    if draw(st.booleans()):
        doc["crs"] = {
            "type": "name",
            "properties": {
                "name": draw(
                    st.sampled_from(
                        ["EPSG:4326", "EPSG:3857", "urn:ogc:def:crs:OGC:1.3:CRS84", "nonsense", 5]
                    )
                )
            },
        }
    return doc


@given(doc=geojson_doc())
def test_generated_geojson(tmp_path, doc):
    path = tmp_path / "gen.geojson"
    path.write_text(json.dumps(doc, allow_nan=True), encoding="utf-8")
    check_loaded(path)


CELL = st.one_of(
    st.text(max_size=12),
    st.floats(-200, 200).map(str),
    st.sampled_from(
        [
            "38°08′58″N",
            "74°48′05″E",
            "38,5",
            "nan",
            "inf",
            "",
            " ",
            "43SDC82598",
            "1e400",
            "-0",
            "N",
            "--5",
            "38 08",
            "०१२",
        ]
    ),
)
HEADER = st.lists(
    st.sampled_from(
        [
            "name",
            "lat",
            "lon",
            "x",
            "y",
            "latitude",
            "longitude",
            "coords",
            "wkt",
            "mgrs",
            "a",
            "lng",
        ]
    ),
    min_size=1,
    max_size=5,
    unique=True,
)


@given(
    header=HEADER,
    rows=st.lists(st.lists(CELL, min_size=1, max_size=5), max_size=6),
    sep=st.sampled_from([",", ";", "\t"]),
)
def test_generated_csv(tmp_path, header, rows, sep):
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep)
    writer.writerow(header)
    for row in rows:
        writer.writerow((row * len(header))[: len(header)])
    path = tmp_path / "gen.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    check_loaded(path)
    check_loaded(path, region=(67.3, 36.6, 75.2, 41.1))


@st.composite
def kml_text(draw):
    def coords():
        pts = draw(st.lists(st.tuples(st.floats(-200, 200), st.floats(-100, 100)), max_size=6))
        text = " ".join(f"{x},{y}" for x, y in pts)
        return draw(st.one_of(st.just(text), st.text(max_size=20)))

    def geom():
        kind = draw(st.sampled_from(["Point", "LineString", "Polygon", "MultiGeometry", "Junk"]))
        if kind == "Polygon":
            inner = (
                f"<outerBoundaryIs><LinearRing><coordinates>{coords()}</coordinates>"
                "</LinearRing></outerBoundaryIs>"
            )
        elif kind == "MultiGeometry":
            inner = f"<Point><coordinates>{coords()}</coordinates></Point>" * draw(
                st.integers(0, 3)
            )
        else:
            inner = f"<coordinates>{coords()}</coordinates>"
        return f"<{kind}>{inner}</{kind}>"

    def folder(depth):
        marks = "".join(
            f"<Placemark><name>{draw(st.sampled_from(['a', 'Мурғоб', '&amp;', '']))}</name>"
            f"{geom()}</Placemark>"
            for _ in range(draw(st.integers(0, 3)))
        )
        subs = (
            "".join(folder(depth + 1) for _ in range(draw(st.integers(0, 2)))) if depth < 2 else ""
        )
        return (
            f"<Folder><name>{draw(st.sampled_from(['f', 'f', 'g']))}</name>{marks}{subs}</Folder>"
        )

    return f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{folder(0)}</Document></kml>'


@given(text=kml_text(), layer=st.sampled_from([None, "*", "f"]))
def test_generated_kml(tmp_path, text, layer):
    path = tmp_path / "gen.kml"
    path.write_text(text, encoding="utf-8")
    check_loaded(path, layer=layer)


NAMES = st.text(st.characters(codec="utf-8"), max_size=30)


@given(
    names=st.lists(NAMES, min_size=1, max_size=5),
    ext=st.sampled_from(["geojson", "gpkg", "shp", "kml", "kmz", "csv"]),
)
def test_name_round_trips(tmp_path, names, ext):
    for stale in tmp_path.iterdir():
        stale.unlink()
    gdf = gpd.GeoDataFrame({"name": names}, geometry=[Point(70, 38)] * len(names), crs=4326)
    path = tmp_path / f"n.{ext}"
    try:
        write_layer(gdf, path)
    except EncodingError:
        assert not path.exists()
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = read_layer(path)
    assert [("" if v is None or v != v else v) for v in got["name"]] == names


@given(text=st.text(max_size=60))
def test_parse_coordinate(text):
    try:
        lon, lat = parse_coordinate(text)
    except BorderkitError:
        return
    assert -180 <= lon <= 180 and -90 <= lat <= 90


def test_kmz_seed_is_a_zip():
    assert zipfile.is_zipfile(io.BytesIO(seeds()["kmz"]["seed.kmz"]))

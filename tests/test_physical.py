"""The physical context layers (data/physical): rivers, lakes, label points, hillshade."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyproj
import pytest
import shapely

import borderkit
from borderkit import _physical
from borderkit.errors import BorderkitError, DataError

DATA = Path(__file__).resolve().parents[1] / "data" / "physical"
PAGE_BUDGET = 800_000  # bytes of the hillshade as embedded in the preset page (base64)
LOCAL = "+proj=eqdc +lat_1=35 +lat_2=41 +lon_0=70 +datum=WGS84 +units=m"
PROVENANCE = ["source", "source_version", "source_date", "license", "precision_m", "note"]
LABEL_IDS = {
    "panj": "river", "amu-darya": "river", "gunt": "river", "bartang": "river",
    "murghab": "river", "vakhsh": "river", "karakul": "lake", "sarez": "lake",
    "zorkul": "lake", "yashilkul": "lake", "nurek": "lake", "pamirs": "range",
    "hindu-kush": "range", "sarikol": "range", "alay": "range", "wakhan": "valley",
}


def _clear_caches() -> None:
    for fn in (_physical._data_dir, _physical._manifest, _physical._frame, _physical.hillshade):
        fn.cache_clear()


@pytest.fixture
def tampered_copy(tmp_path, monkeypatch):
    """A copy of data/physical that the loader reads instead of the shipped one."""
    folder = tmp_path / "physical"
    shutil.copytree(_physical._data_dir(), folder)
    _clear_caches()
    monkeypatch.setattr(_physical, "_data_dir", lambda: folder)
    yield folder
    monkeypatch.undo()
    _clear_caches()


def _to_local(geom):
    tr = pyproj.Transformer.from_crs("EPSG:4326", LOCAL, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


# --------------------------------------------------------------------------- manifest


def test_manifest_matches_files():
    package = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    names = {res["name"] for res in package["resources"]}
    assert names == {"rivers", "lakes", "labels", "hillshade"}
    for res in package["resources"]:
        data = (DATA / res["path"]).read_bytes()
        assert res["bytes"] == len(data), res["name"]
        assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest(), res["name"]
        assert res["licenses"] and res["attribution"] and res["sources"], res["name"]
    for source in package["resources"][0]["sources"] + package["resources"][3]["sources"]:
        assert len(source.get("wheel_sha256") or source.get("tarball_sha256")) == 64
    assert package["build"]["command"].startswith("python scripts/build_physical.py")


@pytest.mark.parametrize("loader, name, gtypes", [
    (_physical.rivers, "rivers", {"LineString"}),
    (_physical.lakes, "lakes", {"Polygon", "MultiPolygon"}),
    (_physical.physical_labels, "labels", {"Point"}),
])
def test_vector_layers(loader, name, gtypes):
    frame = loader()
    res = _physical._manifest()[name]
    assert len(frame) == res["feature_count"] > 0
    assert set(frame.geom_type) <= gtypes
    assert frame.crs.to_epsg() == 4326
    assert list(frame.columns[:-1]) == res["columns"]
    assert set(PROVENANCE) <= set(frame.columns)
    assert frame.is_valid.all()
    w, s, e, n = frame.total_bounds
    assert 60.0 <= w and 33.0 <= s and e <= 80.0 and n <= 44.0
    frame["source"] = "changed by the caller"  # a copy: the next call is untouched
    assert not (loader()["source"] == "changed by the caller").any()


# --------------------------------------------------------------------------- water


def test_panj_runs_along_the_afghan_border():
    """The AFG-TJK border is the Panj for most of its length: the river lines follow it."""
    border = _to_local(borderkit.border("AFG", "TJK").geometry.iloc[0])
    rivers = shapely.union_all(_to_local(_physical.rivers().geometry.values))
    tr = pyproj.Transformer.from_crs(LOCAL, "EPSG:4326", always_xy=True)
    near, lons = [], []
    for part in getattr(border, "geoms", [border]):
        pts = shapely.line_interpolate_point(part, np.arange(0.0, part.length, 1000.0))
        near.extend(shapely.distance(pts, rivers) < 3000.0)
        lons.extend(tr.transform(shapely.get_x(pts), shapely.get_y(pts))[0])
    near_arr, lon_arr = np.array(near), np.array(lons)
    assert near_arr.mean() > 0.85  # the rest: east of Zorkul the border leaves the river
    # west of Zorkul (lon 73.6) the border is the Pamir river and the Panj: no gap over 5 km
    west = near_arr[lon_arr < 73.6]
    gaps = np.diff(np.flatnonzero(np.r_[True, west, True])) - 1
    assert gaps.max() <= 5, f"the river leaves the border for {gaps.max()} km"


def test_lake_labels_are_inside_their_lakes():
    lakes = _physical.lakes()
    labels = _physical.physical_labels().set_index("id")
    karakul = labels.loc["karakul", "geometry"]
    hit = lakes[lakes.contains(karakul)]
    assert len(hit) == 1
    area_km2 = hit["area_m2"].iloc[0] / 1e6
    assert 350 < area_km2 < 450  # published about 380 km2 (the OSM outline holds the bays)
    for lake_id in ("sarez", "zorkul", "yashilkul", "nurek"):
        assert lakes.contains(labels.loc[lake_id, "geometry"]).any(), lake_id


def test_river_labels_sit_on_a_river_or_say_why_not():
    rivers = shapely.union_all(_physical.rivers().geometry.values)
    labels = _physical.physical_labels()
    for row in labels[labels["kind"] == "river"].itertuples():
        on_line = row.geometry.distance(rivers) < 1e-4
        assert on_line == row.placement.startswith("moved onto"), row.id
    assert labels.set_index("id").loc["panj", "placement"].startswith("moved onto")


def test_labels_cover_the_named_features():
    labels = _physical.physical_labels().set_index("id")
    assert dict(labels["kind"]) == LABEL_IDS
    assert labels["source"].str.contains("https://").all()
    assert labels.loc["karakul", "name_ru"] == "Каракуль"
    cyrillic = labels["name_ru"].str.fullmatch(r"[\u0400-\u04FF \-]+")
    assert cyrillic.all(), list(labels.index[~cyrillic])
    assert labels["angle"].between(-90, 90).all()


# --------------------------------------------------------------------------- hillshade


def test_hillshade_matches_manifest():
    shade = _physical.hillshade()
    raster = _physical._manifest()["hillshade"]["raster"]
    assert shade.bounds == tuple(raster["bounds"]) == (60.0, 33.0, 80.0, 44.0)
    arr = shade.array()
    assert arr.shape == (shade.height, shade.width) == (raster["height"], raster["width"])
    assert arr.dtype == np.uint8
    w, s, e, n = shade.bounds
    assert (e - w) / shade.width == pytest.approx(raster["pixel_deg"])
    assert (n - s) / shade.height == pytest.approx(raster["pixel_deg"])
    assert shade.data[:3] == b"\xff\xd8\xff" and shade.media_type == "image/jpeg"


def test_hillshade_is_under_the_page_budget():
    shade = _physical.hillshade()
    assert len(shade.data) < PAGE_BUDGET
    uri = shade.data_uri()
    assert uri.startswith("data:image/jpeg;base64,")
    assert len(uri) < PAGE_BUDGET  # as embedded, base64 and all


def test_hillshade_shows_the_mountains():
    """Relief where the Pamirs are, flat grey (255 * sin 45 = 180) on the Karakum plain."""
    shade = _physical.hillshade()
    arr = shade.array(rows="latitude").astype(float)
    w, _s, _e, n = shade.bounds
    px = shade.meta["pixel_deg"]  # rows="latitude": equal steps of latitude

    def window(lon0, lon1, lat0, lat1):
        return arr[round((n - lat1) / px):round((n - lat0) / px),
                   round((lon0 - w) / px):round((lon1 - w) / px)]

    pamirs, plain = window(72.5, 73.5, 38.3, 38.8), window(61.5, 62.5, 38.5, 39.0)
    assert pamirs.std() > 25 > 5 > plain.std()
    assert abs(plain.mean() - 180) < 10


def test_hillshade_fades_out_at_its_edges():
    """The relief fades to flat ground (180: no shading) towards all four edges.

    Issue 14: a pack's detail ends with a soft margin, not a straight line where
    the image stops (seen at lon 80 and lat 33 on a map of Ladakh).
    """
    shade = _physical.hillshade()
    arr = shade.array(rows="latitude").astype(float)
    margin = round(shade.meta["edge_feather_deg"] / shade.meta["pixel_deg"])
    assert margin >= 60  # 0.5 degree or more: a fade, not a frame
    rows, cols = np.indices(arr.shape)
    edge = np.minimum(np.minimum(rows, arr.shape[0] - 1 - rows),
                      np.minimum(cols, arr.shape[1] - 1 - cols))  # pixels from the edge
    relief = np.abs(arr - 180)  # the maps shade by the distance from flat ground
    outer, inner = relief[edge < 5].mean(), relief[edge >= margin].mean()
    assert outer < 0.5 and inner > 10 > 40 * outer
    steps = np.linspace(0, margin, 7).round().astype(int)
    pairs = list(zip(steps[:-1], steps[1:], strict=True))  # six bands over the ramp
    bands = [relief[(edge >= a) & (edge < b)].mean() for a, b in pairs]
    assert all(np.diff(bands) > 0.5), bands  # rises over the whole ramp
    # the east (lon 80) and south (lat 33) edges cross the Karakoram and Himalaya
    for strip in (arr[:, ::-1][:, :margin], arr[::-1][:margin].T):
        per_band = [np.abs(strip[:, a:b] - 180).mean() for a, b in pairs]
        assert per_band[0] < 1 < 5 < per_band[-1] and all(np.diff(per_band) > 0), per_band


def test_hillshade_rows_are_web_mercator():
    """Stored rows are equally spaced in Web Mercator northing (exact under Leaflet)."""
    shade = _physical.hillshade()
    assert shade.meta["row_spacing"] == "web-mercator"
    w, s, e, n = shade.bounds
    y = lambda lat: np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))  # noqa: E731
    y_rows = y(n) - (np.arange(shade.height) + 0.5) * (y(n) - y(s)) / shade.height
    lat_rows = np.degrees(2 * np.arctan(np.exp(y_rows)) - np.pi / 2)
    lon_cols = w + (np.arange(shade.width) + 0.5) * (e - w) / shade.width
    stored = shade.array()
    for row in (0, 400, shade.height // 2, shade.height - 1):
        got = shade.sample(lon_cols, np.full(shade.width, lat_rows[row]))
        np.testing.assert_allclose(got, stored[row], atol=1e-6)
    # the middle stored row is not the middle latitude 38.5 N but ~0.2 degrees (23 km) north
    mid_lat = lat_rows[shade.height // 2]
    assert 38.65 < mid_lat < 38.75


def test_hillshade_latitude_rows_and_sample_agree():
    shade = _physical.hillshade()
    w, s, e, n = shade.bounds
    by_lat = shade.array(rows="latitude")
    lat = n - (np.arange(shade.height) + 0.5) * (n - s) / shade.height
    lon = w + (np.arange(shade.width) + 0.5) * (e - w) / shade.width
    grid_lon, grid_lat = np.meshgrid(lon[::97], lat[::53])
    np.testing.assert_allclose(shade.sample(grid_lon, grid_lat), by_lat[::53, ::97], atol=0.51)
    assert np.isnan(shade.sample([59.9, 70.0, 80.1], [38.0, 44.1, 38.0])).all()
    with pytest.raises(ValueError, match="mercator, latitude"):
        shade.array(rows="lonlat")


# --------------------------------------------------------------------------- integrity


@pytest.mark.parametrize("name, file", [("rivers", "rivers.geojson"),
                                        ("hillshade", "hillshade.jpg")])
def test_tampered_file_raises_typed_error(tampered_copy, name, file):
    path = tampered_copy / file
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    load = _physical.hillshade if name == "hillshade" else _physical.rivers
    with pytest.raises(DataError, match=rf"physical layer '{name}'.*sha256.*modified") as info:
        load()
    assert isinstance(info.value, BorderkitError) and isinstance(info.value, ValueError)
    assert "build_physical.py" in str(info.value)


def test_missing_file_raises_typed_error(tampered_copy):
    (tampered_copy / "lakes.geojson").unlink()
    with pytest.raises(DataError, match=r"physical layer 'lakes': cannot read"):
        _physical.lakes()


def test_import_is_lazy():
    code = (
        "import sys, borderkit\n"
        "assert 'borderkit._physical' not in sys.modules\n"
        "from borderkit import _physical\n"
        "assert _physical._manifest.cache_info().currsize == 0\n"
        "assert _physical.hillshade.cache_info().currsize == 0\n"
        "assert 'PIL' not in sys.modules\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"

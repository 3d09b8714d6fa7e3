"""Generators for the bad-input catalogue: each writes one bad file into a folder.

Nothing here is a hand-edited blob: every file is produced by code, so what is
wrong with it is visible in the generator.
"""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
from shapely.geometry import Point, Polygon

KULMA_DMS = ("38°08′58″N", "74°48′05″E")
KULMA = (74 + 48 / 60 + 5 / 3600, 38 + 8 / 60 + 58 / 3600)
TAJIKISTAN_BBOX = (67.34, 36.67, 75.15, 41.04)

SQUARE = [[73.0, 38.0], [74.0, 38.0], [74.0, 39.0], [73.0, 39.0], [73.0, 38.0]]


# ----------------------------------------------------------------------------- GeoJSON


def feature(geometry: Any, name: str = "x", **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"name": name, **props}, "geometry": geometry}


def polygon(ring: list[list[float]], *holes: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [ring, *holes]}


def point(lon: Any, lat: Any, *z: Any) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat, *z]}


def collection(*features: dict[str, Any], **members: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", **members, "features": list(features)}


def write_json(folder: Path, doc: Any, name: str = "bad.geojson") -> Path:
    path = folder / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def write_text(folder: Path, text: str, name: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def geojson(*features: dict[str, Any], **members: Any):
    """A generator writing a FeatureCollection of *features*."""
    return lambda folder: write_json(folder, collection(*features, **members))


def good_geojson_text() -> str:
    return json.dumps(
        collection(feature(point(*KULMA), "Kulma"), feature(polygon(SQUARE), "square")),
        ensure_ascii=False,
    )


def truncated(folder: Path) -> Path:
    text = good_geojson_text()
    return write_text(folder, text[: len(text) * 2 // 3], "truncated.geojson")


def trailing_garbage(folder: Path) -> Path:
    return write_text(folder, good_geojson_text() + "\n}}garbage", "garbage.geojson")


def with_literal(literal: str):
    """GeoJSON text whose second coordinate is the bare token *literal* (NaN, Infinity)."""

    def make(folder: Path) -> Path:
        text = (
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
            f'{{"name":"bad"}},"geometry":{{"type":"Point","coordinates":[70.0,{literal}]}}}}]}}'
        )
        return write_text(folder, text, "literal.geojson")

    return make


def deeply_nested(folder: Path) -> Path:
    return write_text(folder, "[" * 200_000 + "]" * 200_000, "nested.geojson")


def long_integer_coordinate(folder: Path) -> Path:
    """A point whose longitude is a 400-digit integer (valid JSON)."""
    text = (
        '{"type":"Feature","properties":{"name":"far"},'
        f'"geometry":{{"type":"Point","coordinates":[{"1" * 400},38]}}}}'
    )
    return write_text(folder, text, "long.geojson")


def star_polygon(folder: Path, n: int = 4001) -> Path:
    """One {n/2000} star polygon: every edge crosses ~4,000 others (8 million crossings).

    With full-precision coordinates it is ~160 KB; ``shapely.make_valid`` of it
    used 10 GB over 200 s.
    """
    import math

    step = 2 * math.pi * ((n - 1) // 2) / n
    ring = [[70 + math.cos(i * step), 38 + math.sin(i * step)] for i in range(n)]
    star = feature(polygon([*ring, ring[0]]), "star")
    return write_json(folder, collection(star), "star.geojson")


def cp1251_geojson(folder: Path) -> Path:
    text = json.dumps(collection(feature(point(*KULMA), "Мургаб")), ensure_ascii=False)
    return write_text(folder, text, "cp1251.geojson", encoding="cp1251")


def utf16_geojson(folder: Path) -> Path:
    return write_text(folder, good_geojson_text(), "utf16.geojson", encoding="utf-16")


def projected_geojson(folder: Path) -> Path:
    """Kulma in UTM 43N metres, with no crs member (as many exports do)."""
    utm = gpd.GeoSeries([Point(*KULMA)], crs=4326).to_crs(32643).iloc[0]
    return write_json(folder, collection(feature(point(utm.x, utm.y), "Kulma")))


def mercator_geojson(folder: Path) -> Path:
    merc = gpd.GeoSeries([Point(*KULMA)], crs=4326).to_crs(3857).iloc[0]
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    return write_json(folder, collection(feature(point(merc.x, merc.y), "Kulma"), crs=crs))


def unknown_crs_member(folder: Path) -> Path:
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}}
    return write_json(folder, collection(feature(point(*KULMA), "Kulma"), crs=crs))


# ----------------------------------------------------------------------------- paths and sizes


def huge_file(folder: Path) -> Path:
    """A 100 MB GeoJSON-looking file, made sparse so it costs no time or disk."""
    path = folder / "huge.geojson"
    with open(path, "wb") as fh:
        fh.write(b'{"type": "FeatureCollection", "features": [')
        fh.truncate(100 * 1024 * 1024)
    return path


def empty_file(folder: Path) -> Path:
    return write_text(folder, "", "empty.geojson")


def png_named_geojson(folder: Path) -> Path:
    path = folder / "picture.geojson"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    return path


def gpx_file(folder: Path) -> Path:
    return write_text(
        folder,
        '<?xml version="1.0"?><gpx version="1.1"><wpt lat="38.1" lon="74.8"/></gpx>',
        "track.gpx",
    )


def through_pipe(data: bytes, name: str = "stream.geojson"):
    """A generator of a FIFO (named pipe) that a background thread fills with *data*.

    A pipe has no size (``stat`` says 0) and can be read only once: what the
    format sniffing reads must not be lost to the reader.
    """

    def make(folder: Path) -> Path:
        import os
        import threading

        path = folder / name
        os.mkfifo(path)

        def feed() -> None:
            try:
                with open(path, "wb") as fh:
                    fh.write(data)
            except BrokenPipeError:  # the reader stopped early (over max_bytes): fine
                pass

        threading.Thread(target=feed, daemon=True).start()
        return path

    return make


def many_points_geojson_bytes(n: int = 400) -> bytes:
    """GeoJSON of *n* named points (about 100 bytes each: well over the 4 KB sniffed)."""
    feats = [feature(point(70 + i / 1000, 38), f"p{i}") for i in range(n)]
    return json.dumps(collection(*feats)).encode()


def a_folder(folder: Path) -> Path:
    (folder / "shapes").mkdir()
    return folder / "shapes"


# ----------------------------------------------------------------------------- KML / KMZ

KML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
KML_NS = 'xmlns="http://www.opengis.net/kml/2.2"'


def placemark(name: str, lon: float, lat: float) -> str:
    return (
        f"<Placemark><name>{name}</name><Point><coordinates>{lon},{lat}</coordinates>"
        "</Point></Placemark>"
    )


def kml_folders(folder: Path, name: str = "folders.kml") -> Path:
    body = (
        f"{KML_HEAD}<kml {KML_NS}><Document><name>brief</name>"
        f"<Folder><name>Checkpoints</name>{placemark('Кулма', *KULMA)}</Folder>"
        f"<Folder><name>Towns</name>{placemark('Мурғоб', 73.965, 38.169)}"
        f"{placemark('Хоруғ', 71.558, 37.492)}</Folder>"
        "</Document></kml>"
    )
    return write_text(folder, body, name)


def kml_named_geojson(folder: Path) -> Path:
    body = f"{KML_HEAD}<kml {KML_NS}><Document>{placemark('Кулма', *KULMA)}</Document></kml>"
    return write_text(folder, body, "places.geojson")


SECRET = "TOP-SECRET-CONTENT-7f3a"


def kml_external_entity(folder: Path) -> Path:
    secret = write_text(folder, SECRET, "secret.txt")
    body = (
        f'{KML_HEAD}<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        f"<kml {KML_NS}><Document><Placemark><name>&xxe;</name>"
        f"<Point><coordinates>70,38</coordinates></Point></Placemark></Document></kml>"
    )
    return write_text(folder, body, "xxe.kml")


def kml_billion_laughs(folder: Path) -> Path:
    ents = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    body = (
        f"{KML_HEAD}<!DOCTYPE kml [{''.join(ents)}]>"
        f"<kml {KML_NS}><Document><Placemark><name>&lol9;</name>"
        "<Point><coordinates>70,38</coordinates></Point></Placemark></Document></kml>"
    )
    return write_text(folder, body, "laughs.kml")


def kml_malformed(folder: Path) -> Path:
    return write_text(folder, f"{KML_HEAD}<kml {KML_NS}><Document><Placemark>", "broken.kml")


def kml_deep_folders(folder: Path, levels: int = 5000) -> Path:
    body = (
        f"{KML_HEAD}<kml {KML_NS}><Document>{'<Folder>' * levels}{placemark('x', 70, 38)}"
        f"{'</Folder>' * levels}</Document></kml>"
    )
    return write_text(folder, body, "deep.kml")


def kml_network_link(folder: Path) -> Path:
    """A placemark and a NetworkLink whose href holds '&' and a right-to-left override."""
    body = (
        f"{KML_HEAD}<kml {KML_NS}><Document>{placemark('Кулма', *KULMA)}"
        "<NetworkLink><name>live feed</name><Link>"
        "<href>http://example.org/feed.kml?a=1&amp;b=&#x202e;lmk.exe</href>"
        "</Link></NetworkLink></Document></kml>"
    )
    return write_text(folder, body, "linked.kml")


def kml_bad_coordinates(folder: Path) -> Path:
    body = (
        f"{KML_HEAD}<kml {KML_NS}><Document><Placemark><name>Кулма</name>"
        "<Point><coordinates>74°48′E,38°08′N</coordinates></Point></Placemark></Document></kml>"
    )
    return write_text(folder, body, "coords.kml")


def kmz_bomb(folder: Path) -> Path:
    """A small KMZ whose doc.kml unpacks to 2 MB (the test sets max_bytes=1 MB)."""
    path = folder / "bomb.kmz"
    pad = " " * (2 * 1024 * 1024)
    body = f"{KML_HEAD}<kml {KML_NS}><Document>{pad}{placemark('x', 70, 38)}</Document></kml>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", body)
    return path


def zip_without_kml(folder: Path) -> Path:
    path = folder / "shapes.kmz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "no kml here")
    return path


def kmz_folders(folder: Path) -> Path:
    kml = kml_folders(folder, "inner.kml")
    path = folder / "folders.kmz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(kml, "doc.kml")
    kml.unlink()
    return path


# ----------------------------------------------------------------------------- GeoPackage


def places_frame(names: tuple[str, ...] = ("Мурғоб", "Хоруғ")) -> gpd.GeoDataFrame:
    pts = [Point(73.965, 38.169), Point(71.558, 37.492)][: len(names)]
    return gpd.GeoDataFrame({"name": list(names)}, geometry=pts, crs="EPSG:4326")


def gpkg_two_layers(folder: Path) -> Path:
    path = folder / "two.gpkg"
    pyogrio.write_dataframe(places_frame(), path, layer="towns")
    square = gpd.GeoDataFrame({"name": ["square"]}, geometry=[Polygon(SQUARE)], crs="EPSG:4326")
    pyogrio.write_dataframe(square, path, layer="areas", append=True)
    return path


def gpkg_without_crs(folder: Path) -> Path:
    path = folder / "nocrs.gpkg"
    with warnings.catch_warnings():  # pyogrio warns that the CRS is missing: that is the point
        warnings.simplefilter("ignore", UserWarning)
        pyogrio.write_dataframe(places_frame().set_crs(None, allow_override=True), path)
    return path


def gpkg_view(rows: int | None):
    """A GeoPackage whose layer 'view' is an SQL view over a recursive CTE, registered in
    gpkg_contents: *rows* rows, or endless for None (the table 'towns' is real)."""

    def make(folder: Path) -> Path:
        import sqlite3

        path = folder / "view.gpkg"
        pyogrio.write_dataframe(places_frame(("Мурғоб",)), path, layer="towns")
        stop = "" if rows is None else f" WHERE n < {rows}"
        con = sqlite3.connect(path)
        con.execute(
            "CREATE VIEW view AS WITH RECURSIVE c(n) AS "
            f"(SELECT 1 UNION ALL SELECT n + 1 FROM c{stop}) "
            "SELECT c.n AS fid, t.geom AS geom, t.name || c.n AS name FROM c, towns AS t"
        )
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
            "VALUES ('view', 'features', 'view', 4326)"
        )
        con.execute(
            "INSERT INTO gpkg_geometry_columns VALUES ('view', 'geom', 'POINT', 4326, 0, 0)"
        )
        con.commit()
        con.close()
        return path

    return make


def gpkg_bowtie(folder: Path) -> Path:
    path = folder / "bowtie.gpkg"
    bow = Polygon([(73, 38), (74, 39), (74, 38), (73, 39)])
    pyogrio.write_dataframe(
        gpd.GeoDataFrame({"name": ["bow"]}, geometry=[bow], crs="EPSG:4326"), path
    )
    return path


# ----------------------------------------------------------------------------- Shapefile


def shapefile(
    *,
    drop: tuple[str, ...] = (),
    encoding: str = "UTF-8",
    ldid: int | None = None,
    names: tuple[str, ...] = ("Мурғоб", "Хоруғ"),
):
    """A generator of a shapefile of two towns, minus the sidecars in *drop*."""

    def make(folder: Path) -> Path:
        path = folder / "towns.shp"
        pyogrio.write_dataframe(places_frame(names), path, encoding=encoding)
        for ext in drop:
            (folder / f"towns{ext}").unlink()
        if ldid is not None:
            dbf = folder / "towns.dbf"
            data = bytearray(dbf.read_bytes())
            data[29] = ldid
            dbf.write_bytes(bytes(data))
        return path

    return make


def dbf_claims_4g_records(*, cpg: bool = False):
    """A one-town shapefile whose 147-byte .dbf header claims 0xFFFFFFFF records.

    Without a .cpg the encoding check looped over the claimed records (a hang).
    """

    def make(folder: Path) -> Path:
        path = shapefile(drop=() if cpg else (".cpg",), names=("Мурғоб",))(folder)
        dbf = folder / "towns.dbf"
        data = bytearray(dbf.read_bytes())
        data[4:8] = b"\xff\xff\xff\xff"
        dbf.write_bytes(bytes(data))
        return path

    return make


# ----------------------------------------------------------------------------- CSV


def csv_text(text: str, name: str = "points.csv", encoding: str = "utf-8"):
    return lambda folder: write_text(folder, text, name, encoding)


def csv_projected(folder: Path) -> Path:
    utm = gpd.GeoSeries([Point(*KULMA)], crs=4326).to_crs(32643).iloc[0]
    return write_text(folder, f"name,x,y\nKulma,{utm.x},{utm.y}\n", "utm.csv")


def csv_wide(folder: Path, columns: int = 20_000, rows: int = 5) -> Path:
    """lat, lon and *columns* more: integers, decimals and text in turn (~0.5 MB)."""
    header = ["name", "lat", "lon", *(f"c{j}" for j in range(columns))]
    cells = ["7", "0.5", "x"]
    lines = [",".join(header)] + [
        ",".join([f"p{i}", "38.1", "74.8", *(cells[j % 3] for j in range(columns))])
        for i in range(rows)
    ]
    return write_text(folder, "\n".join(lines) + "\n", "wide.csv")


def csv_nul(folder: Path) -> Path:
    path = folder / "nul.csv"
    path.write_bytes(b"name,lat,lon\nKul\x00ma,38.1,74.8\n")
    return path


# ----------------------------------------------------------------------------- text for maps


def geojson_lone_surrogate(folder: Path) -> Path:
    """A name holding half of a UTF-16 surrogate pair (a valid JSON escape, not a character);
    a whole pair (an emoji) on the line before is fine."""
    text = (
        '{"type":"FeatureCollection","features":[\n'
        '{"type":"Feature","properties":{"name":"ok \\ud83d\\ude00"},'
        '"geometry":{"type":"Point","coordinates":[70,38]}},\n'
        '{"type":"Feature","properties":{"name":"Kulma \\udcff"},'
        '"geometry":{"type":"Point","coordinates":[74.8,38.1]}}]}'
    )
    return write_text(folder, text, "surrogate.geojson")

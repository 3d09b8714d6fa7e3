"""Bounded time and memory for loading: each small bad file, read under the limits.

No input under 1 MB may make ``read_layer`` run longer than about 10 s or use
more than 1 GB (:mod:`.limits`). Each test builds its input in ``tmp_path``
with a generator from :mod:`.files`, reads it in a child process under
``RLIMIT_AS`` and a wall-clock limit, and checks the outcome the child printed.
The same inputs are catalogue cases in ``test_loading.py``.
"""

from __future__ import annotations

from pathlib import Path

from . import files as F
from .limits import run_limited

READ = """
try:
    gdf = bk.read_layer(path{kwargs})
    print("loaded", len(gdf), gdf.shape[1])
except Exception as err:
    print(type(err).__name__, err)
"""


def read_limited(path: Path, kwargs: str = "", **limits):
    got = run_limited(READ.format(kwargs=kwargs), path, **limits)
    assert got.within_limits() == "", got
    return got.stdout


def test_dbf_claiming_4g_records(tmp_path):
    path = F.dbf_claims_4g_records()(tmp_path)
    assert (tmp_path / "towns.dbf").stat().st_size == 147
    out = read_limited(path)
    assert out.startswith("FileFormatError")
    assert "claims 4,294,967,295 records" in out and "can hold at most 1;" in out


def test_endless_gpkg_view(tmp_path):
    path = F.gpkg_view(None)(tmp_path)
    out = read_limited(path, ", layer='view'")
    assert out.startswith("FileFormatError")
    assert "is an SQL view, not a table" in out


def test_star_polygon_of_4001_vertices(tmp_path):
    path = F.star_polygon(tmp_path)
    assert 150_000 < path.stat().st_size < 170_000
    got = run_limited(READ.format(kwargs=""), path, seconds=5)
    assert got.within_limits() == "", got
    assert got.stdout.startswith("GeometryError")
    assert "cross each other at more than 20,000 places" in got.stdout


def test_400_mb_stream_through_a_pipe(tmp_path):
    """A pipe reports size 0: it is read into a buffer of at most max_bytes, then refused."""
    code = """
import os, threading
os.mkfifo(path)

def feed():
    chunk = b" " * (1 << 20)
    try:
        with open(path, "wb") as fh:
            fh.write(b"[")
            for _ in range(400):
                fh.write(chunk)
    except BrokenPipeError:
        pass

threading.Thread(target=feed, daemon=True).start()
try:
    bk.read_layer(path)
except Exception as err:
    print(type(err).__name__, err)
"""
    got = run_limited(code, tmp_path / "stream.geojson")
    assert got.within_limits() == "", got
    assert got.stdout.startswith("FileFormatError")
    assert "gave more than 50.0 MB (max_bytes)" in got.stdout


def test_csv_of_20000_columns(tmp_path):
    path = F.csv_wide(tmp_path)
    assert path.stat().st_size < 1024 * 1024
    out = read_limited(path)
    assert out.split() == ["loaded", "5", "20002"]


def test_kml_nested_5000_levels(tmp_path):
    out = read_limited(F.kml_deep_folders(tmp_path))
    assert out.startswith("FileFormatError")
    assert "more than 100 levels deep" in out


def test_kml_nested_50000_levels(tmp_path):
    path = F.kml_deep_folders(tmp_path, levels=50_000)
    assert path.stat().st_size < 1024 * 1024
    out = read_limited(path)
    assert out.startswith("FileFormatError")
    assert "more than 100 levels deep" in out

"""The measurement API on dask-geopandas: same results, lazy, geometry shared once, files."""

from __future__ import annotations

import json
import os
import pickle
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from borderkit import measure
from borderkit.errors import (
    CRSError,
    DataError,
    FileFormatError,
    MissingDependencyError,
)

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
dask_geopandas = pytest.importorskip("dask_geopandas")
distributed = pytest.importorskip("distributed")
pq = pytest.importorskip("pyarrow.parquet")

from borderkit import _dask  # noqa: E402 - after the optional imports are known to work

N = 100_000

pytestmark = [
    # dask's parquet reader, not borderkit (pandas 3 deprecation inside dask)
    pytest.mark.filterwarnings("ignore:The inplace keyword in GeoDataFrame.reset_index"),
]


@pytest.fixture(scope="module", autouse=True)
def client():
    """A LocalCluster of 2 single-threaded workers (threads, in this process), the default.

    dask would turn the str columns of the input frames into pyarrow strings; that is
    dask's choice about the input, not a measurement, so it is switched off here to
    compare the results with the in-memory ones on the very same frames.
    """
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    with dask.config.set({"dataframe.convert-string": False}), distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _synthetic(n: int, seed: int = 11, start: int = 0) -> gpd.GeoDataFrame:
    """Events scattered around the test border, with an id and a category column."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(72.8, 75.6, n)
    lat = rng.uniform(36.6, 40.0, n)
    return gpd.GeoDataFrame(
        {"event_id": np.arange(n) * 3 + 7, "kind": rng.choice(["a", "b"], n)},
        geometry=shapely.points(lon, lat),
        index=pd.RangeIndex(start, start + n),
        crs="EPSG:4326",
    )


PARTS = 6


def _part(i: int) -> gpd.GeoDataFrame:
    """Partition *i* of the events, generated where it is computed (no data in the graph)."""
    size = N // PARTS + (i < N % PARTS)
    start = i * (N // PARTS) + min(i, N % PARTS)
    return _synthetic(size, seed=100 + i, start=start)


@pytest.fixture(scope="module")
def events_dask():
    return dd.from_map(_part, range(PARTS), meta=_synthetic(0))


@pytest.fixture(scope="module")
def events() -> gpd.GeoDataFrame:
    """The same events in memory."""
    return pd.concat([_part(i) for i in range(PARTS)])


def _shifted(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The same events half a degree further east."""
    xy = shapely.get_coordinates(frame.geometry.values)
    return frame.set_geometry(shapely.points(xy[:, 0] + 0.5, xy[:, 1]), crs=frame.crs)


def _assert_identical(got, want) -> None:
    """Exact equality: values bit for bit, index, columns, dtypes and geometry coordinates."""
    assert type(got) is type(want)
    if isinstance(want, gpd.GeoDataFrame):
        assert got.crs == want.crs
        assert got.geometry.name == want.geometry.name
        np.testing.assert_array_equal(
            shapely.get_coordinates(got.geometry.values),
            shapely.get_coordinates(want.geometry.values),
        )
        got = pd.DataFrame(got.drop(columns=got.geometry.name))
        want = pd.DataFrame(want.drop(columns=want.geometry.name))
    if isinstance(want, pd.Series):
        pd.testing.assert_series_equal(got, want, check_exact=True)
    else:
        pd.testing.assert_frame_equal(got, want, check_exact=True)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("distance_to", ()),
        ("within", (50_000,)),
        ("nearest_point", ()),
    ],
)
def test_dask_equals_in_memory_exactly(name, args, events, events_dask, border_line):
    fn = getattr(measure, name)
    lazy = fn(events_dask, border_line, *args)
    assert dask.is_dask_collection(lazy)
    assert lazy.npartitions == events_dask.npartitions
    got = lazy.compute()
    want = fn(events, border_line, *args)
    _assert_identical(got, want)
    if name == "within":
        # the check is not vacuous: both sides of the threshold occur
        assert 0 < got["within"].sum() < N


def test_distance_point_to_point_equals_in_memory(events, events_dask):
    kashgar = (75.98, 39.47)
    _assert_identical(measure.distance(events_dask, kashgar).compute(),
                      measure.distance(events, kashgar))
    _assert_identical(
        measure.distance(shapely.Point(kashgar), events_dask, azimuths=True).compute(),
        measure.distance(shapely.Point(kashgar), events, azimuths=True),
    )
    # two collections partitioned alike: pair by pair
    shifted_dask = events_dask.map_partitions(_shifted, meta=events_dask._meta)
    _assert_identical(measure.distance(events_dask, shifted_dask).compute(),
                      measure.distance(events, _shifted(events)))


def test_polygon_precision_and_projected_crs(gbao_like):
    events = _synthetic(20_000, seed=5)
    events["precision_m"] = np.linspace(0.0, 20_000.0, len(events))
    utm = events.to_crs("EPSG:32643")
    lazy = dask_geopandas.from_geopandas(utm, npartitions=3)
    for boundary in (False, True):
        got = measure.within(lazy, gbao_like, 10_000, boundary=boundary).compute()
        want = measure.within(utm, gbao_like, 10_000, boundary=boundary)
        _assert_identical(got, want)
    assert {"within_possible", "within_certain", "distance_min_m"} <= set(got.columns)
    got = measure.distance_to(lazy, gbao_like).compute()
    assert isinstance(got, pd.DataFrame) and (got["distance_m"] == 0).any()
    _assert_identical(got, measure.distance_to(utm, gbao_like))


def test_lonlat_dask_dataframe_and_geometry_frame(border_line):
    events = _synthetic(10_000, seed=3)
    table = pd.DataFrame({"lon": events.geometry.x, "lat": events.geometry.y})
    lazy = dd.from_pandas(table, npartitions=4)
    target = gpd.GeoDataFrame(geometry=[border_line], crs="EPSG:4326").to_crs("EPSG:3857")
    _assert_identical(measure.distance_to(lazy, target).compute(),
                      measure.distance_to(table, target))
    got = measure.within(lazy, target, 20_000).compute()
    assert isinstance(got, gpd.GeoDataFrame)
    _assert_identical(got, measure.within(table, target, 20_000))


def test_nothing_is_computed_until_compute(border_line):
    calls = []
    meta = _synthetic(0)

    def make(seed):
        calls.append(seed)
        return _synthetic(1_000, seed=seed)

    lazy = dd.from_map(make, [1, 2, 3], meta=meta)
    results = [
        measure.distance_to(lazy, border_line),
        measure.within(lazy, border_line, 5_000),
        measure.nearest_point(lazy, border_line),
        measure.distance(lazy, (74.0, 38.0)),
    ]
    assert all(dask.is_dask_collection(r) for r in results)
    assert isinstance(results[1], dask_geopandas.GeoDataFrame)
    assert isinstance(results[2], dask_geopandas.GeoDataFrame)
    assert isinstance(results[0], dd.Series)
    assert calls == []
    assert len(results[0].compute()) == 3_000
    assert sorted(calls) == [1, 2, 3]


def test_geometry_is_one_key_shared_by_every_task(events_dask, border_line):
    """The target is one graph node; the partition tasks refer to it, they do not embed it."""
    geometry_size = len(shapely.to_wkb(border_line))
    assert geometry_size > 20_000
    lazy = measure.within(events_dask, border_line, 10_000)
    graph = dict(lazy.__dask_graph__())
    heavy = [k for k, task in graph.items() if len(pickle.dumps(task)) > geometry_size]
    data = [k for k in heavy if k not in events_dask.__dask_graph__()]
    assert len(data) == 1, f"the geometry should be one key, found it in {len(data)} tasks"
    (geom_key,) = data
    measure_tasks = [k for k in lazy.__dask_keys__()]
    assert len(measure_tasks) == events_dask.npartitions == PARTS
    for key in measure_tasks:
        assert geom_key in graph[key].dependencies


def test_worker_processes_give_the_same_results(events, border_line):
    """Real worker processes: the kernel and the geometry travel by pickle, results unchanged."""
    sample = events.iloc[:20_000]
    lazy = measure.distance_to(dask_geopandas.from_geopandas(sample, npartitions=4), border_line)
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
        silence_logs=40,
    )
    try:
        with distributed.Client(cluster, set_as_default=False) as procs:
            pids = set(procs.run(os.getpid).values())
            got = procs.compute(lazy).result()
    finally:
        cluster.close()
    assert len(pids) == 2 and os.getpid() not in pids
    _assert_identical(got, measure.distance_to(sample, border_line))


def test_errors_are_raised_at_call_time(events_dask, border_line):
    with pytest.raises(DataError, match="distance_m"):
        measure.within(events_dask, border_line, -5)
    with pytest.raises(DataError, match="one point or a dask collection"):
        measure.distance(events_dask, ([74.0, 75.0], [38.0, 38.5]))
    with pytest.raises(DataError, match="dask Array is not supported"):
        measure.distance_to(dask.array.zeros((10, 2)), border_line)
    no_crs = dask_geopandas.from_geopandas(
        gpd.GeoDataFrame(geometry=shapely.points([74.0], [38.0])), npartitions=1
    )
    with pytest.raises(CRSError, match="no CRS"):
        measure.distance_to(no_crs, border_line)
    # crs= states it, as in memory
    assert measure.distance_to(no_crs, border_line, crs="EPSG:4326").compute().iloc[0] > 0


def test_missing_extra_names_the_install_command(monkeypatch, events_dask, border_line):
    monkeypatch.setitem(sys.modules, "dask_geopandas", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "borderkit\[dask\]"') as err:
        measure.distance_to(events_dask, border_line)
    assert isinstance(err.value, ImportError)
    with pytest.raises(MissingDependencyError):
        _dask.within_file("in.parquet", "out.parquet", border_line, 1.0)


# ---------------------------------------------------------------- files
@pytest.fixture(scope="module")
def parquet_events(tmp_path_factory):
    path = tmp_path_factory.mktemp("src") / "events.parquet"
    frame = _synthetic(30_000, seed=9)
    frame.to_parquet(path, row_group_size=5_000)
    return path, frame


def test_within_file_single_file(parquet_events, border_line, tmp_path):
    src, frame = parquet_events
    dst = tmp_path / "near.parquet"
    dst.write_bytes(b"old")  # replaced atomically
    calls = []
    report = _dask.within_file(
        src, dst, border_line, 25_000, partition_rows=10_000,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
    want = measure.within(frame, border_line, 25_000)
    want = want[want["within"]].drop(columns="within").reset_index(drop=True)
    got = gpd.read_parquet(dst)
    _assert_identical(got, want)
    assert (report.partitions, report.rows_read, report.rows_written) == (3, 30_000, len(want))
    assert 0 < len(want) < len(frame)
    geo = json.loads(pq.read_schema(dst).metadata[b"geo"])
    column = geo["columns"]["geometry"]
    assert column["geometry_types"] == ["Point"]
    np.testing.assert_allclose(column["bbox"], want.total_bounds)
    assert [p.name for p in tmp_path.iterdir()] == ["near.parquet"]


def test_within_file_folder_keep_all(parquet_events, border_line, tmp_path):
    src, frame = parquet_events
    dst = tmp_path / "out"
    dst.mkdir()
    (dst / "stale.txt").write_text("replaced")
    report = _dask.within_file(src, dst, border_line, 25_000, keep="all", partition_rows=5_000)
    assert report.partitions == 6 and report.rows_written == 30_000
    assert sorted(p.name for p in dst.iterdir()) == [f"part.{i:05d}.parquet" for i in range(6)]
    got = pd.concat([gpd.read_parquet(p) for p in sorted(dst.iterdir())], ignore_index=True)
    _assert_identical(got, measure.within(frame, border_line, 25_000))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    # a folder is also accepted as input, and a path without a suffix is a folder
    again = _dask.within_file(dst, tmp_path / "again", border_line, 1_000)
    assert again.rows_read == 30_000 and (tmp_path / "again" / "part.00000.parquet").is_file()


def test_within_file_errors_leave_nothing_behind(parquet_events, border_line, tmp_path):
    src, _ = parquet_events
    dst = tmp_path / "near.parquet"
    dst.write_bytes(b"old")
    with pytest.raises(DataError, match="distance_m"):
        _dask.within_file(src, dst, border_line, float("nan"))
    with pytest.raises(DataError, match="keep"):
        _dask.within_file(src, dst, border_line, 1.0, keep="some")
    with pytest.raises(DataError, match="does not exist"):
        _dask.within_file(tmp_path / "missing.parquet", dst, border_line, 1.0)
    text = tmp_path / "events.csv"
    text.write_text("lon,lat\n74,38\n")
    with pytest.raises(FileFormatError, match="Parquet"):
        _dask.within_file(text, dst, border_line, 1.0)
    assert dst.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.csv", "near.parquet"]

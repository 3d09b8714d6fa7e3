"""A registered region pack draws a map's countries inside its box (issue 13 §3)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
import shapely

import borderkit as bk
from borderkit import packs
from borderkit.errors import DroppedFeatureWarning, RepairWarning

pytest.importorskip("borderkit._world")

PACK_BOX = (74.0, 32.0, 81.0, 36.5)
VIEW = (75.0, 33.0, 80.0, 35.5)


@pytest.fixture()
def ladakh_pack(tmp_path: Path, monkeypatch):
    monkeypatch.delenv(packs.ENV_VAR, raising=False)
    monkeypatch.setattr(packs, "_registered", [])
    monkeypatch.setattr(packs, "_opened", {})
    # a synthetic "10 m" source: India and China as two boxes meeting at lon 79
    features = [
        {"type": "Feature", "properties": {"A3": code},
         "geometry": shapely.geometry.mapping(shapely.box(*box))}
        for code, box in (("IND", (73.0, 31.0, 79.0, 37.0)), ("CHN", (79.0, 31.0, 82.0, 37.0)))
    ]
    source = tmp_path / "countries.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                      encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RepairWarning)
        warnings.simplefilter("ignore", DroppedFeatureWarning)
        path = packs.build_pack("ladakh-test", bbox=PACK_BOX, out=tmp_path / "l.bkpack",
                                source=source, margin_deg=0.0)
    bk.use_pack(path)
    return path


def _countries(spec):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        resolved = spec.resolve()
    return next(x for x in resolved.layers if x.dataset == "countries").frame, resolved


def test_a_registered_pack_draws_the_countries_inside_its_box(ladakh_pack):
    spec = bk.BriefSpec(title="Ladakh", layers=[bk.Layer("countries")], bounds=VIEW)
    frame, resolved = _countries(spec)
    by_iso = frame.set_index("iso3").geometry
    box = shapely.box(*PACK_BOX)
    # inside the pack's box the outline is the pack's (the synthetic straight line at
    # lon 79), not the world base's real China-India line
    india = by_iso["IND"].intersection(box)
    assert india.bounds[2] == pytest.approx(79.0, abs=1e-6)
    assert india.area == pytest.approx(shapely.box(74.0, 32.0, 79.0, 36.5).area, rel=1e-6)
    # outside it, the world base fills the view's surroundings
    assert by_iso["IND"].bounds[1] < 31.5
    assert any("ladakh-test" in r for r in resolved.report)


def test_without_the_pack_the_world_base_draws_them(tmp_path, monkeypatch):
    monkeypatch.setattr(packs, "_registered", [])
    monkeypatch.setattr(packs, "_opened", {})
    monkeypatch.delenv(packs.ENV_VAR, raising=False)
    frame, _ = _countries(bk.BriefSpec(title="Ladakh", layers=[bk.Layer("countries")],
                                       bounds=VIEW))
    india = frame.set_index("iso3").geometry["IND"].intersection(shapely.box(*PACK_BOX))
    assert india.bounds[2] > 79.3  # the real line reaches east of the synthetic one at 79

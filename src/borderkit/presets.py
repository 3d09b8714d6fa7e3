"""Built-in brief specs: one call gives the map of a known brief.

Each preset is a function returning a fresh :class:`~borderkit.BriefSpec` built from
the shipped region pack, so it works offline and the caller may change it
(``preset(...).replace(title=...)``).
"""

from __future__ import annotations

from collections.abc import Callable

from .errors import DatasetNotFoundError
from .spec import BriefSpec, DistanceLine, Layer

__all__ = ["preset", "preset_names"]

#: The Chinese facility of the May 2020 brief (an approximate, unsurveyed location).
FACILITY_ID = "shaymak-facility"

_ASIA_PLUS = (
    "Avaz Yuldashev, \u201cАрмия Китая оказала поддержку таджикским военным медикам "
    "(The Army of China is providing support to Tajik military medics),\u201d Asia-Plus, "
    "14 May 2020. https://asiaplustj.info/ru/news/tajikistan/security/20200514/"
    "armiya-kitaya-okazala-"
)
_OE_WATCH = (
    "Stein, \u201cChinese Security Assistance to Tajikistan,\u201d OE Watch commentary, "
    "Foreign Military Studies Office, 2020 (excerpting the Asia-Plus article)."
)


def _tajikistan_2020_05() -> BriefSpec:
    places = [
        "dushanbe",
        "dushanbe-airport",
        "kulma-pass",
        FACILITY_ID,
        "khorugh",
        "murghob",
    ]
    return BriefSpec(
        title="Chinese security assistance to Tajikistan, May 2020",
        subtitle="PLA medical aid by road (10 May) and by air (14 May); "
        "Chinese facility in Gorno-Badakhshan",
        notes=[
            "10 May: aid from Qingdao and Xiamen handed over at the Kulma\u2013Karasu "
            "checkpoint (17 ventilators, masks, protective equipment; USD 479,000).",
            "14 May: a PLA transport aircraft brought 13 pieces of medical equipment to "
            "Dushanbe for Tajik military medics.",
            "The facility's location is approximate (purple circle); its distances to the "
            "borders carry that uncertainty.",
        ],
        sources=[_ASIA_PLUS, _OE_WATCH, "Places: source, date, precision and confidence "
                 "in each place's popup."],
        layers=[
            Layer("countries", name="Countries", label_column=None, legend=False),
            Layer("admin1", where={"name": "Gorno-Badakhshan"},
                  name="Gorno-Badakhshan (GBAO)", labels=True),
            Layer("ceded_area", name="Area ceded to China, 2011"),
            Layer("historical_border", name="China\u2013Tajikistan line before 2011"),
            Layer("borders", where={"id": "CHN-TJK"}, kind="border",
                  name="China\u2013Tajikistan border"),
            Layer("borders", where={"id": "AFG-TJK"}, kind="border",
                  name="Afghanistan\u2013Tajikistan border", style={"color": "#795548"}),
            Layer("places", where={"id": places}, labels=True),
            Layer("events", name="Aid deliveries, May 2020", label_column="date",
                  labels=True),
        ],
        distance_lines=[
            DistanceLine(FACILITY_ID, "CHN-TJK", name="To the Chinese border"),
            DistanceLine(FACILITY_ID, "AFG-TJK", name="To the Afghan border"),
        ],
        simplify="auto",
        terrain=True,
        water=True,
        country_names=True,
        subject="TJK",
    )


_PRESETS: dict[str, Callable[[], BriefSpec]] = {
    "tajikistan-2020-05": _tajikistan_2020_05,
}


def preset_names() -> list[str]:
    """The names of the built-in presets.

    Examples
    --------
    >>> preset_names()
    ['tajikistan-2020-05']
    """
    return sorted(_PRESETS)


def preset(name: str, /) -> BriefSpec:
    """Return the spec of a built-in brief.

    Parameters
    ----------
    name : str
        A preset name (see :func:`preset_names`), e.g. ``"tajikistan-2020-05"``: the
        May 2020 brief on Chinese security assistance to Tajikistan (GBAO, the
        current and pre-2011 China-Tajikistan lines, the ceded area, Kulma-Karasu
        with the 10 May delivery, Dushanbe with the 14 May airlift, and the Chinese
        facility with its uncertainty and distances to the Chinese and Afghan borders).

    Returns
    -------
    BriefSpec
        A new spec each call; the shipped layers are loaded when it is resolved.

    Raises
    ------
    DatasetNotFoundError
        If there is no preset of that name; the message lists the presets.

    Examples
    --------
    >>> spec = preset("tajikistan-2020-05")
    >>> spec.title
    'Chinese security assistance to Tajikistan, May 2020'
    >>> [d.b for d in spec.distance_lines]
    ['CHN-TJK', 'AFG-TJK']
    """
    key = str(name).strip().lower().replace("_", "-")
    try:
        build = _PRESETS[key]
    except KeyError:
        raise DatasetNotFoundError(
            f"no preset named {name!r}; use one of: {', '.join(preset_names())}"
        ) from None
    return build()

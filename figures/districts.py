"""Seoul's 25 districts (자치구), so that "마포구", "Mapo-gu" and "mapo"
count as one place in the figures. A district typed some other way (a
place outside Seoul) counts as typed."""

import functools
import re

# (official Korean name, English name)
SEOUL = [
    ("종로구", "Jongno-gu"), ("중구", "Jung-gu"), ("용산구", "Yongsan-gu"),
    ("성동구", "Seongdong-gu"), ("광진구", "Gwangjin-gu"), ("동대문구", "Dongdaemun-gu"),
    ("중랑구", "Jungnang-gu"), ("성북구", "Seongbuk-gu"), ("강북구", "Gangbuk-gu"),
    ("도봉구", "Dobong-gu"), ("노원구", "Nowon-gu"), ("은평구", "Eunpyeong-gu"),
    ("서대문구", "Seodaemun-gu"), ("마포구", "Mapo-gu"), ("양천구", "Yangcheon-gu"),
    ("강서구", "Gangseo-gu"), ("구로구", "Guro-gu"), ("금천구", "Geumcheon-gu"),
    ("영등포구", "Yeongdeungpo-gu"), ("동작구", "Dongjak-gu"), ("관악구", "Gwanak-gu"),
    ("서초구", "Seocho-gu"), ("강남구", "Gangnam-gu"), ("송파구", "Songpa-gu"),
    ("강동구", "Gangdong-gu"),
]
ENGLISH = dict(SEOUL)


def _key(text: str) -> str:
    text = re.sub(r"[\s\-_.]", "", text.strip().lower())
    for ending in ("gu", "구"):
        if text.endswith(ending) and len(text) > len(ending):
            text = text[: -len(ending)]
    return text.removeprefix("서울시").removeprefix("서울특별시").removeprefix("seoul")


_CANONICAL = {}
for korean, english in SEOUL:
    _CANONICAL[_key(korean)] = korean
    _CANONICAL[_key(english)] = korean


@functools.lru_cache(maxsize=4096)
def canonical(text: str) -> str:
    """The official Korean name of a Seoul district however it was typed;
    anything else as typed, trimmed (empty stays empty)."""
    return _CANONICAL.get(_key(text), text.strip())


def district_label(name: str, language: str) -> str:
    return ENGLISH.get(name, name) if language == "en" else name

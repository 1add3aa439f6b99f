"""Seoul's 25 districts (자치구), so that "마포구", "Mapo-gu", "서울 마포구"
and "mapo" count as one place in the figures. Text that names none of
them (another city, an address, nothing) is no district: the figures
never publish what someone typed."""

import functools
import re
import unicodedata

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
# Longest first: "서울특별시" before "서울".
_CITY = ("서울특별시", "서울시", "서울", "seoulsi", "seoulcity", "seoul")


def _key(text: str) -> str:
    # Full-width letters, odd hyphens and spaces, case: all one.
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^0-9a-z가-힣]", "", text)
    for city in _CITY:
        text = text.removeprefix(city).removesuffix(city)
    for ending in ("gu", "구"):
        if text.endswith(ending) and len(text) > len(ending):
            text = text[: -len(ending)]
    return text


_DISTRICTS = {}
for korean, english in SEOUL:
    _DISTRICTS[_key(korean)] = korean
    _DISTRICTS[_key(english)] = korean


@functools.lru_cache(maxsize=4096)
def seoul_district(text: str) -> str | None:
    """The official Korean name of the Seoul district the text names, or
    None when it names none."""
    return _DISTRICTS.get(_key(text or "")) if text else None


def district_label(name: str, language: str) -> str:
    return ENGLISH.get(name, name) if language == "en" else name

"""Bar charts drawn on the server as SVG (issue 18): the geometry here, the
shapes in frontend/templates/stats/_*.html. No script, nothing from
elsewhere; every chart has its table beside it for screen readers."""

from dataclasses import dataclass

from django.utils import translation

# A phone's width in SVG units: drawn one to one on a phone, larger on a
# wider screen (the stylesheet caps it).
WIDTH = 360
COLUMN_HEIGHT = 200
PLOT_TOP, PLOT_BOTTOM = 22, 172  # room for values above and labels below
ROW_HEIGHT = 28
LABEL_WIDTH = 80


def short_number(value: int) -> str:
    """A value above a narrow bar: 562,500 as "56만" in Korean, "563k" in
    English; the table beside the chart has it in full."""
    if value < 10_000:
        return f"{value:,}"
    if translation.get_language() == "ko":
        return f"{round(value / 10_000):,}만" if value < 100_000_000 else \
            f"{value / 100_000_000:.1f}억"
    return f"{round(value / 1000):,}k" if value < 1_000_000 else f"{value / 1_000_000:.1f}M"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None  # None: too few people to show it
    x: float
    y: float
    width: float
    height: float

    @property
    def shown(self) -> bool:
        return self.value is not None

    @property
    def short(self) -> str:
        return short_number(self.value) if self.value is not None else "–"

    @property
    def middle(self) -> float:
        return self.x + self.width / 2

    @property
    def end(self) -> float:
        return self.x + self.width

    @property
    def centre_line(self) -> float:
        return self.y + self.height / 2


def _scale(values) -> int:
    return max([v for v in values if v is not None] or [0]) or 1


def columns(points: list[tuple[str, int | None]]) -> dict:
    """Vertical bars, one per (label, value), left to right."""
    top = _scale(v for _l, v in points)
    slot = (WIDTH - 20) / max(len(points), 1)
    bars = []
    for n, (label, value) in enumerate(points):
        height = (PLOT_BOTTOM - PLOT_TOP) * (value or 0) / top
        bars.append(Bar(label=label, value=value, x=10 + n * slot + slot * 0.15,
                        y=PLOT_BOTTOM - height, width=slot * 0.7, height=height))
    return {"bars": bars, "width": WIDTH, "height": COLUMN_HEIGHT, "baseline": PLOT_BOTTOM}


def rows(points: list[tuple[str, int | None]]) -> dict:
    """Horizontal bars, one per (label, value), top to bottom."""
    top = _scale(v for _l, v in points)
    room = WIDTH - LABEL_WIDTH - 50  # and the value after the bar
    bars = [Bar(label=label, value=value, x=LABEL_WIDTH, y=6 + n * ROW_HEIGHT,
                width=room * (value or 0) / top, height=ROW_HEIGHT - 10)
            for n, (label, value) in enumerate(points)]
    return {"bars": bars, "width": WIDTH, "height": max(len(bars), 1) * ROW_HEIGHT + 6}

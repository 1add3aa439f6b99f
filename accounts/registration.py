"""Korean business registration numbers (사업자등록번호)."""

import re

WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


def normalize_registration_number(value: str) -> str | None:
    """"123-45-67890" for a valid number (any dashes or spaces accepted), else
    None. The last digit is the official check digit."""
    digits = re.sub(r"[\s-]", "", value or "")
    if not re.fullmatch(r"\d{10}", digits):
        return None
    d = [int(c) for c in digits]
    total = sum(x * w for x, w in zip(d[:9], WEIGHTS, strict=True)) + (d[8] * 5) // 10
    if (10 - total % 10) % 10 != d[9]:
        return None
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"

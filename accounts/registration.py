"""Korean business registration numbers (사업자등록번호).

Ten digits, written 123-45-67890: a tax-office code (3), a kind of business
(2), a serial number (4) and a check digit. The check digit: multiply the
first nine digits by 1, 3, 7, 1, 3, 7, 1, 3, 5 and add them up, add the
tens of (ninth digit x 5), and the check digit is (10 - sum mod 10) mod 10.
"""

import re

WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
_TEN_DIGITS = re.compile(r"[0-9]{10}")
_SEPARATORS = re.compile(r"[\s\-]")


def check_digit(first_nine: str) -> int:
    """The official check digit of a number's first nine digits."""
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, WEIGHTS, strict=True)) + (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def normalize_registration_number(value: str) -> str | None:
    """"123-45-67890" for a valid number (written with or without dashes or
    spaces), else None: not ten digits, or the check digit does not match."""
    digits = _SEPARATORS.sub("", value or "")
    if not _TEN_DIGITS.fullmatch(digits):  # ASCII digits only, not "١٢٣"
        return None
    if check_digit(digits[:9]) != int(digits[9]):
        return None
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"

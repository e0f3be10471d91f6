"""Requested resources as users write them, in canonical units (the same forms the service reads).

cores: a whole number >= 1; memory: "8G", "512M", "1.5GiB" or a number of GiB (binary units);
runtime: seconds, "90s", "30m", "2h", "1h30m", "1d" or "01:30:00" (rounded up to whole seconds).
"""

import math
import re
from typing import Any

_MEMORY = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGTP]?)(I?B?)", re.IGNORECASE)
_SHIFT = {"": 0, "K": 10, "M": 20, "G": 30, "T": 40, "P": 50}
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?",
                       re.IGNORECASE)
_CLOCK = re.compile(r"(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)")


def parse_cores(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"requested resource 'cores' must be a whole number, got {value!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not 1 <= value <= 1_000_000:
        raise ValueError(f"requested resource 'cores' must be a whole number of at least 1, got {value!r}")
    return value


def parse_memory(value: Any) -> int:
    """Bytes."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _positive_bytes(float(value) * 2 ** 30, value)
    if isinstance(value, str):
        m = _MEMORY.fullmatch(value.strip())
        if not m or (m.group(3) and not m.group(2) and m.group(3).upper() != "B"):
            raise ValueError(f"requested resource 'memory' must look like 512M, 8G, 1.5GiB or a number of GiB, "
                             f"got {value!r}")
        amount, unit = float(m.group(1)), m.group(2).upper()
        if not unit and not m.group(3):
            return _positive_bytes(amount * 2 ** 30, value)
        return _positive_bytes(amount * 2 ** _SHIFT[unit], value)
    raise ValueError(f"requested resource 'memory' must be a string such as '8G' or a number of GiB, "
                     f"got {type(value).__name__}")


def parse_runtime(value: Any) -> int:
    """Whole seconds, rounded up."""
    seconds = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        clock = _CLOCK.fullmatch(text)
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            seconds = float(text)
        elif clock:
            seconds = int(clock.group(1) or 0) * 3600 + int(clock.group(2)) * 60 + float(clock.group(3))
        else:
            m = _DURATION.fullmatch(text)
            if m and text:
                seconds = sum(float(g) * s for g, s in zip(m.groups(), (86400, 3600, 60, 1)) if g)
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"requested resource 'runtime' must be seconds or a duration such as '90s', '30m', "
                         f"'2h', '1h30m' or '01:30:00', got {value!r}")
    return math.ceil(seconds)


def show_bytes(b: int) -> str:
    if b % 2 ** 30 == 0:
        return f"{b >> 30}G"
    if b % 2 ** 20 == 0:
        return f"{b >> 20}M"
    return f"{b}B"


def _positive_bytes(amount: float, given: Any) -> int:
    if not math.isfinite(amount) or amount < 1:
        raise ValueError(f"requested resource 'memory' must be more than 0 bytes and finite, got {given!r}")
    return math.ceil(amount)

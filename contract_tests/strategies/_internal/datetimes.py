"""PushDateTime: real, impossible and malformed moments."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from ismart_sms_kit.contract_tests.oracle import days_in_month


@dataclass(frozen=True)
class DateParts:
    month: int
    day: int
    year: int
    hour: int
    minute: int
    second: int

    def format(self) -> str:
        return (
            f"{self.month:02d}/{self.day:02d}/{self.year:04d} "
            f"{self.hour:02d}:{self.minute:02d}:{self.second:02d}"
        )


@st.composite
def real_dates(draw: st.DrawFn, *, min_year: int = 2000, max_year: int = 2099) -> DateParts:
    year = draw(st.integers(min_year, max_year))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, days_in_month(year, month)))
    return DateParts(
        month,
        day,
        year,
        draw(st.integers(0, 23)),
        draw(st.integers(0, 59)),
        draw(st.integers(0, 59)),
    )


@st.composite
def impossible_dates(draw: st.DrawFn) -> DateParts:
    """Two digits per field, but no such moment: Feb 30, Feb 29 of a common year, month 13,
    day 0, hour 24, minute 60, second 60 (a leap second)."""
    base = draw(real_dates())
    kind = draw(st.sampled_from(["day", "feb29", "month", "hour", "minute", "second", "zero"]))
    if kind == "day":
        month = draw(st.integers(1, 12))
        day = draw(st.integers(days_in_month(base.year, month) + 1, 99))
        return DateParts(month, day, base.year, base.hour, base.minute, base.second)
    if kind == "feb29":
        year = draw(st.sampled_from([2023, 2025, 2026, 2027, 2100, 2200, 2300]))
        return DateParts(2, 29, year, base.hour, base.minute, base.second)
    if kind == "month":
        month = draw(st.integers(13, 99))
        return DateParts(month, base.day, base.year, base.hour, base.minute, base.second)
    if kind == "hour":
        return DateParts(base.month, base.day, base.year, draw(st.integers(24, 99)), 0, 0)
    if kind == "minute":
        return DateParts(base.month, base.day, base.year, base.hour, draw(st.integers(60, 99)), 0)
    if kind == "second":
        return DateParts(base.month, base.day, base.year, base.hour, base.minute, 60)
    return draw(
        st.sampled_from(
            [
                DateParts(0, base.day, base.year, 1, 2, 3),
                DateParts(base.month, 0, base.year, 1, 2, 3),
                DateParts(base.month, 1, 0, 1, 2, 3),
            ]
        )
    )


def malformed_datetimes() -> st.SearchStrategy[str]:
    """Real moments written in the shapes the field sends instead of ``MM/DD/YYYY HH:mm:ss``."""

    def shapes(d: DateParts) -> list[str]:
        return [
            f"{d.day:02d}/{d.month:02d}/{d.year} {d.hour:02d}:{d.minute:02d}",  # no seconds
            f"{d.month}/{d.day}/{d.year} {d.hour}:{d.minute:02d}:{d.second:02d}X",
            f"{d.year}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}",
            f"{d.year}/{d.month:02d}/{d.day:02d} {d.hour:02d}:{d.minute:02d}:{d.second:02d}",
            f"{d.month:02d}-{d.day:02d}-{d.year} {d.hour:02d}:{d.minute:02d}:{d.second:02d}",
            f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d} "
            f"{d.hour:02d}:{d.minute:02d}:{d.second:02d}",
            f"{d.format()} AM",
            f"{d.format()} PM",
            f"{d.month:02d}/{d.day:02d}/{d.year}",  # no time
            f"{d.month:02d}/{d.day:02d}/{d.year}  {d.hour:02d}:{d.minute:02d}:{d.second:02d}",
            f"{d.month:02d}/{d.day:02d}/{d.year}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}",
            f"{d.month:02d}/{d.day:02d}/{d.year} {d.hour:02d}.{d.minute:02d}.{d.second:02d}",
            "now",
            "0",
        ]

    return real_dates().flatmap(lambda d: st.sampled_from(shapes(d)))


def single_digit_datetimes() -> st.SearchStrategy[str]:
    """A real moment with at least one field written with one digit (``3/4/2018 7:30:00``)."""
    return (
        real_dates()
        .filter(lambda d: d.month < 10 or d.day < 10 or d.hour < 10)
        .map(lambda d: f"{d.month}/{d.day}/{d.year} {d.hour}:{d.minute:02d}:{d.second:02d}")
    )

"""MediaWiki's timestamps (`2023-11-24T18:05:57Z`, always UTC) to and from the epoch
seconds WikiVice stores."""

from __future__ import annotations

import time
from calendar import timegm
from collections.abc import Iterator

import pytest

from wikivice.wiki.timestamps import iso, parse_timestamp

# (epoch seconds, as MediaWiki writes them)
KNOWN = [
    (0, "1970-01-01T00:00:00Z"),
    (979_520_160, "2001-01-15T00:56:00Z"),  # Wikipedia's first day
    (1_700_849_157, "2023-11-24T18:05:57Z"),
    (1_709_251_199, "2024-02-29T23:59:59Z"),  # a leap day
    (1_735_689_599, "2024-12-31T23:59:59Z"),
    (2_147_483_648, "2038-01-19T03:14:08Z"),  # past 32-bit time_t
]


@pytest.fixture
def far_from_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local time zone at UTC+14 (a POSIX TZ string: no tz database needed)."""
    monkeypatch.setenv("TZ", "<+14>-14")
    time.tzset()
    assert time.localtime(0).tm_hour == 14  # else the tests below would prove nothing
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(("seconds", "text"), KNOWN, ids=[t for _, t in KNOWN])
def test_iso_writes_mediawikis_format(seconds: int, text: str) -> None:
    assert iso(seconds) == text


@pytest.mark.parametrize(("seconds", "text"), KNOWN, ids=[t for _, t in KNOWN])
def test_parse_timestamp_reads_mediawikis_format(seconds: int, text: str) -> None:
    assert parse_timestamp(text) == seconds
    assert type(parse_timestamp(text)) is int


def test_parse_timestamp_matches_the_calendar() -> None:
    for text in ("2001-01-15T00:00:00Z", "2023-11-24T18:05:57Z", "2024-02-29T23:59:59Z"):
        parsed = timegm((int(text[:4]), int(text[5:7]), int(text[8:10]),
                         int(text[11:13]), int(text[14:16]), int(text[17:19])))  # fmt: skip
        assert parse_timestamp(text) == parsed


def test_iso_and_parse_timestamp_round_trip_every_second_of_a_day() -> None:
    start = 1_700_784_000  # 2023-11-24T00:00:00Z
    for seconds in range(start - 1, start + 86_401, 7):
        text = iso(seconds)
        assert parse_timestamp(text) == seconds, text
        assert iso(parse_timestamp(text)) == text


def test_iso_drops_fractional_seconds_without_rounding_up() -> None:
    # A refresh asks for revisions from the newest stored one's second on (rvstart is
    # inclusive); rounding up would skip revisions saved later in that same second.
    assert iso(1_700_849_157.999) == "2023-11-24T18:05:57Z"
    assert iso(1_700_849_157.5) == "2023-11-24T18:05:57Z"


def test_parse_timestamp_drops_fractional_seconds() -> None:
    assert parse_timestamp("2023-11-24T18:05:57.999Z") == 1_700_849_157
    assert parse_timestamp("2023-11-24T18:05:57.000001Z") == 1_700_849_157


def test_parse_timestamp_reads_explicit_offsets() -> None:
    assert parse_timestamp("2023-11-24T18:05:57+00:00") == 1_700_849_157
    assert parse_timestamp("2023-11-24T20:05:57+02:00") == 1_700_849_157
    assert parse_timestamp("2023-11-24T13:05:57-05:00") == 1_700_849_157


@pytest.mark.usefixtures("far_from_utc")
def test_iso_and_parse_timestamp_are_utc_whatever_the_local_zone() -> None:
    for seconds, text in KNOWN:
        assert iso(seconds) == text
        assert parse_timestamp(text) == seconds


@pytest.mark.parametrize("text", ["", "yesterday", "2023-13-01T00:00:00Z", "2023-11-24T25:00:00Z"])
def test_parse_timestamp_refuses_what_is_not_a_timestamp(text: str) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(text)

"""Countries by ISO 3166-1 code (figures/countries.py): the built-in table, looked up by
alpha-2 code as iptocc returns them."""

from __future__ import annotations

import pytest

from wikivice.figures import countries
from wikivice.figures.countries import COUNTRIES, Country


def test_countries_table() -> None:
    assert countries.country("us") == countries.Country("US", "USA", "United States")
    assert countries.name("GB") == "United Kingdom"
    assert countries.name("KR") == "South Korea"
    assert countries.country("EU") is None
    assert countries.name("EU") == "EU"
    assert len(countries.COUNTRIES) == 250  # ISO 3166-1's 249, and Kosovo
    alpha3 = [c.alpha3 for c in countries.COUNTRIES.values()]
    assert len(set(alpha3)) == len(alpha3)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("FR", Country("FR", "FRA", "France")),
        ("fr", Country("FR", "FRA", "France")),  # any case
        ("Xk", Country("XK", "XKX", "Kosovo")),  # the registries' code for Kosovo
        ("AX", Country("AX", "ALA", "Åland Islands")),
        ("ZZ", None),  # not a country
        ("", None),
    ],
)
def test_country_by_alpha2(code: str, expected: Country | None) -> None:
    assert countries.country(code) == expected


def test_name_falls_back_to_the_code_as_given() -> None:
    assert countries.name("de") == "Germany"
    assert countries.name("zz") == "zz"
    assert countries.name("BO") == "Bolivia"  # the common short form


def test_table_codes_are_well_formed() -> None:
    for alpha2, found in COUNTRIES.items():
        assert found.alpha2 == alpha2
        assert len(alpha2) == 2 and alpha2.isascii() and alpha2.isupper(), alpha2
        assert len(found.alpha3) == 3 and found.alpha3.isascii() and found.alpha3.isupper()
        assert found.name and found.name == found.name.strip(), alpha2


def test_parse_reads_one_country_a_line_with_spaces_in_names() -> None:
    table = """
    AA AAA First Land
    BB BBB Second
    """
    parsed = countries._parse("\n".join(line.strip() for line in table.splitlines()))
    assert parsed == {
        "AA": Country("AA", "AAA", "First Land"),
        "BB": Country("BB", "BBB", "Second"),
    }

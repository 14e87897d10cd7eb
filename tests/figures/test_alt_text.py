"""Each chart in one sentence (figures/alt_text.py): the text alternative of the charts."""

from __future__ import annotations

from factories import History, epoch, example, war_history
from wikivice.figures import alt_text, charts
from wikivice.figures.page import page_figures
from wikivice.figures.types import PageFigures
from wikivice.store.database import Database

NOW = epoch("2021-06-01T12:00:00Z")


def figures_of(db: Database, history: History) -> PageFigures:
    page_id = history.store(db)
    with db.read() as conn:
        return page_figures(conn, page_id, NOW)


def test_every_drawn_chart_has_a_sentence(db: Database) -> None:
    figures = figures_of(db, example())
    for chart in charts.dashboard_charts(figures):
        if chart["id"] == "year_table":  # the page shows it as an HTML table
            continue
        assert chart["summary"].endswith("."), chart["id"]


def test_the_sentences_say_what_the_example_shows(db: Database) -> None:
    figures = figures_of(db, example())
    assert alt_text.summary("edits_per_month", figures) == (
        "10 edits over 18 months; the busiest month was 2020-01 with 4 edits."
    )
    assert alt_text.summary("top_editors_by_edits", figures).startswith("Most edits: Alice (4)")
    assert alt_text.summary("activity_heatmap", figures) == (
        "The busiest hour is Friday 00:00–00:59 UTC, with 2 edits."
    )
    assert alt_text.summary("top_countries", figures).startswith("Most anonymous edits from: ")
    assert alt_text.summary("unknown", figures) == ""


def test_reverts_and_wars_are_counted(db: Database) -> None:
    said = alt_text.summary("reverts_per_month", figures_of(db, war_history()))
    assert "3 edit wars" in said and said == "22 reverts, most in 2020-07 (11); 3 edit wars."


def test_an_empty_page_has_no_sentence_rather_than_a_fault(db: Database) -> None:
    figures = figures_of(db, History("Empty"))
    for chart_id in alt_text.SUMMARIES:
        assert isinstance(alt_text.summary(chart_id, figures), str)


def test_plural_words() -> None:
    assert alt_text.count(1, "edit") == "1 edit"
    assert alt_text.count(2_000, "edit") == "2,000 edits"
    assert alt_text.count(3, "country", "countries") == "3 countries"

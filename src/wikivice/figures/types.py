"""The shapes of the figures, defined once: what `page_figures` returns (`PageFigures`),
what the JSON API serves and documents, what the charts, the templates and the CLI read.

TypedDicts, because the figures are JSON: they are cached as JSON in `page_stats`, read
back with orjson and handed on as they are, with no conversion on the dashboard's warm
path. The same types give the OpenAPI schema of `GET /api/pages/{wiki}/{title}/stats`
(pydantic reads TypedDicts; before Python 3.12 only typing_extensions' own).

Each TypedDict lists its keys in the order the JSON has them: the tests check the
figures against these types key for key. Times are ISO 8601 UTC strings
(`2020-01-31T12:00:00Z`), days `2020-01-31`, months `2020-01`; `ts` fields are epoch
seconds. A share is a fraction rounded to 6 places. A user name is None when the wiki
hides it. Editor kinds are `EditorKind` members when computed, and their plain string
values (equal to the members) when read back from the cache.
"""

from __future__ import annotations

from typing import Literal

from typing_extensions import TypedDict

from wikivice.store.vocabulary import EditorKind

Badge = Literal["revert", "reverted", "vandalism"]


class PageHeader(TypedDict):
    """Which page the figures describe: `revisions` stored, `fetched_at` epoch seconds."""

    title: str
    pageid: int
    wiki: str
    revisions: int
    fetched_at: float | None


class StampedHeader(PageHeader):
    """The header, with the `version` of the code that computed the figures and the
    time `now` that "recent" counts are relative to."""

    version: int
    now: str


class EdgeEdit(TypedDict):
    """The page's first or last edit."""

    revid: int
    timestamp: str
    ts: int
    user: str | None
    kind: EditorKind
    size: int


class ExtremeEdit(TypedDict):
    """The largest addition or removal in bytes (`delta`), the page's creation, reverts
    and reverted edits left out (a rollback of a blanking is no addition)."""

    revid: int
    delta: int
    timestamp: str
    user: str | None
    kind: EditorKind


class RecentEdits(TypedDict):
    """Edits in the last day, week, month (30 days) and year (365 days) before `now`."""

    day: int
    week: int
    month: int
    year: int


class EditCounts(TypedDict):
    """Edits and editors by kind. `editors` counts distinct named editors (hidden users
    are not counted); ip: IP editors, temp: temporary accounts, anonymous: both;
    `_share` is of all edits, `_editor_share` of all editors; reverts: edits that
    revert; reverted_edits: edits undone later; revert_rate: reverted_edits / edits."""

    edits: int
    editors: int
    ip_edits: int
    ip_share: float
    ip_editors: int
    ip_editor_share: float
    temp_edits: int
    temp_share: float
    temp_editors: int
    temp_editor_share: float
    anonymous_edits: int
    anonymous_share: float
    anonymous_editors: int
    anonymous_editor_share: float
    bot_edits: int
    bot_share: float
    bot_editors: int
    bot_editor_share: float
    minor_edits: int
    minor_share: float
    hidden_user_edits: int
    reverts: int
    reverted_edits: int
    revert_rate: float


class GlanceFigures(EditCounts):
    """The at-a-glance figures. Intervals are seconds between consecutive edits (None
    below two edits); activity is a label ("edited every 3 hours"); the top-10 shares
    and gini are those of `Concentration` (None without attributed edits)."""

    first_edit: EdgeEdit | None
    last_edit: EdgeEdit | None
    current_size: int | None
    mean_interval: float | None
    median_interval: float | None
    activity: str
    recent_edits: RecentEdits
    largest_addition: ExtremeEdit | None
    largest_removal: ExtremeEdit | None
    top10_share: float | None
    top10pct_share: float | None
    gini: float | None


class MonthlyEdits(TypedDict):
    """Edits per month as parallel lists, every month from the first edit's to the last
    edit's. registered: `user` edits; anonymous = ip + temp; hidden: by hidden users;
    reverts: edits that revert; reverted: edits undone later."""

    month: list[str]
    anonymous: list[int]
    edits: list[int]
    registered: list[int]
    ip: list[int]
    temp: list[int]
    bot: list[int]
    hidden: list[int]
    minor: list[int]
    reverts: list[int]
    reverted: list[int]


class DailyEdits(TypedDict):
    """Edits per UTC day, only the days with edits, as parallel lists."""

    date: list[str]
    edits: list[int]


class Timeline(TypedDict):
    months: MonthlyEdits
    days: DailyEdits


class SizeHistory(TypedDict):
    """The size in bytes over time as parallel lists: per revision, or per time bucket
    of `bucket_seconds` (its last revision's time and size, its smallest and largest)."""

    timestamp: list[str]
    size: list[int]
    min: list[int]
    max: list[int]
    bucket_seconds: int | None


class Heatmap(TypedDict):
    """Edits by UTC weekday and hour: `edits[weekday][hour]`, weekday 0 = Monday."""

    weekdays: list[str]
    hours: list[int]
    edits: list[list[int]]


class YearRow(TypedDict):
    """A calendar year with edits; `size` is its last revision's size in bytes."""

    year: int
    edits: int
    anonymous: int
    minor: int
    bots: int
    reverts: int
    size: int


class RankedEditor(TypedDict):
    """An editor of the page: share of all its edits; added: bytes added by edits that
    were neither reverted nor reverts; reverted: their edits undone by others; reverts:
    that they made; first and last: their first and last edit here."""

    name: str
    kind: EditorKind
    edits: int
    share: float
    minor: int
    added: int
    reverted: int
    reverts: int
    first: str
    last: str


class TopEditors(TypedDict):
    by_edits: list[RankedEditor]
    by_bytes: list[RankedEditor]


class Rankings(TopEditors):
    """The top editors three ways; most_reverted leaves out editors never reverted."""

    most_reverted: list[RankedEditor]


class Lorenz(TypedDict):
    """The Lorenz curve from (0, 0) to (1, 1): `editors` (x, from the least active) and
    `edits` (y, their share of the attributed edits), as parallel lists."""

    editors: list[float]
    edits: list[float]


class Concentration(TypedDict):
    """How unequal the editors' shares of the attributed edits are: gini (0 all equal,
    near 1 one editor did nearly all), the share of the 10 most active editors and of
    the most active tenth; None without attributed edits."""

    lorenz: Lorenz
    gini: float | None
    top10_share: float | None
    top10pct_share: float | None


class Opponent(TypedDict):
    """An editor whom a combatant reverted in a war, and how many times."""

    name: str
    kind: EditorKind
    reverts: int


class Combatant(TypedDict):
    """An editor in an edit war: reverts made in it, the most of them within the rule's
    `hours` (peak), and whom they reverted, most first."""

    name: str
    kind: EditorKind
    reverts: int
    peak: int
    reverted: list[Opponent]


class EditWar(TypedDict):
    """An edit war (`figures.conflict`), its first to its last mutual revert; edits: all
    from start to end; combatants: the first `conflict.TOP_COMBATANTS`, most reverts first."""

    start: str
    end: str
    reverts: int
    edits: int
    combatant_count: int
    combatants: list[Combatant]


class WarRule(TypedDict):
    """Mutual reverts are a war when one editor made `reverts` of them within `hours`."""

    reverts: int
    hours: int


class Vandalism(TypedDict):
    """Acts of vandalism undone (edits, `figures.reverts`), those a bot undid, the median
    seconds an act stood before its revert (None without acts), and the bytes that an
    anonymous edit undone must remove to count (or half the page)."""

    acts: int
    by_bots: int
    bot_share: float
    median_seconds: float | None
    much_removed: int


class Conflict(TypedDict):
    """The `conflict.TOP_WARS` wars with most reverts (of `war_count`), their rule, the
    vandalism undone, and the most reverted editors."""

    edit_wars: list[EditWar]
    war_count: int
    war_rule: WarRule
    vandalism: Vandalism
    most_reverted: list[RankedEditor]


class CountryRow(TypedDict):
    """A country of IP edits: code ISO alpha-2, iso3 None when not in ISO 3166-1; share
    of all IP edits."""

    code: str
    iso3: str | None
    name: str
    edits: int
    editors: int
    share: float


class CountryFigures(TypedDict):
    """Anonymous IP edits by country: located_edits have a known country; by_country
    most edits first; top its first `geography.TOP_COUNTRIES`."""

    ip_edits: int
    ip_editors: int
    located_edits: int
    countries: int
    by_country: list[CountryRow]
    top: list[CountryRow]


class PageFigures(StampedHeader, GlanceFigures):
    """Everything the dashboard, `wikivice stats --json` and the stats API show about a
    page: its stamped header, the at-a-glance figures, and one key per chart (in this
    order, as the JSON has them)."""

    timeline: Timeline
    size: SizeHistory
    heatmap: Heatmap
    years: list[YearRow]
    top_editors: TopEditors
    concentration: Concentration
    conflict: Conflict
    countries: CountryFigures


class EditRow(TypedDict):
    """A revision as the recent-activity list shows it: user and comment None when
    hidden; tags a list; the four hidden flags from the revision's hidden bits; badges
    what to flag it with (vandalism: a tag in `reverts.VANDALISM_MARKS`)."""

    revid: int
    parent_id: int
    timestamp: str
    ts: int
    user: str | None
    kind: EditorKind
    size: int
    delta: int
    minor: bool
    comment: str | None
    tags: list[str]
    is_revert: bool
    reverted: bool
    reverted_by: int | None
    user_hidden: bool
    comment_hidden: bool
    text_hidden: bool
    suppressed: bool
    badges: list[Badge]


class Incident(EditRow):
    """The latest revert, reverted or vandalism-tagged edit; a revert lists whom it undid."""

    undid: list[str]

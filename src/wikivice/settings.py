"""Every setting, defined once.

Each field below is read from a `WIKIVICE_<NAME>` environment variable (or a `.env`
file in the working directory); its description is the only help text there is: the
CLI and `docs/settings.md` are generated from it (`wikivice settings --markdown`), and
`tests/test_docs.py` fails when the two drift apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from wikivice import __version__

# The Wikimedia projects' hosts: the default of WIKIVICE_ALLOWED_WIKIS.
WIKIMEDIA_HOSTS = (
    "*.wikipedia.org",
    "*.wiktionary.org",
    "*.wikibooks.org",
    "*.wikinews.org",
    "*.wikiquote.org",
    "*.wikisource.org",
    "*.wikiversity.org",
    "*.wikivoyage.org",
    "*.wikimedia.org",
    "www.wikidata.org",
    "www.mediawiki.org",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WIKIVICE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"),
        description="Directory for the embedded SQLite database and the SQLite queue file.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "URL of the database: `postgresql://user@host/wikivice` (also spelled "
            "`postgres://` or `postgresql+psycopg://`) or `sqlite:///path/to/file.db`. "
            "Unset: a SQLite file `wikivice.db` (WAL mode) in the data dir."
        ),
    )
    redis_url: str | None = Field(
        default=None,
        description=(
            "Redis URL, e.g. `redis://127.0.0.1:6379/0`. Set: the queue is Huey's RedisHuey "
            "and job events wake up every web process at once. Unset: a SQLite queue file "
            "in the data dir and in-process wake-ups."
        ),
    )
    contact: str = Field(
        default="https://github.com/wikivice/wikivice; wikivice@example.org",
        description=(
            "Contact put in the User-Agent sent to wikis, as Wikimedia's User-Agent policy "
            "requires (a URL or e-mail address where operators can reach you)."
        ),
    )
    default_wiki: str = Field(
        default="en",
        description=(
            "Wiki used when none is given: a Wikipedia language code (`en`) or the URL of "
            "any MediaWiki `api.php`."
        ),
    )
    request_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds to wait for a wiki to answer one HTTP request before retrying.",
    )
    max_retries: int = Field(
        default=6,
        ge=0,
        description=(
            "Retries of one API request after a timeout, 5xx, 429, maxlag or a garbled "
            "answer, with exponential backoff (Retry-After is honoured when given)."
        ),
    )
    max_retry_wait: float = Field(
        default=60.0,
        gt=0,
        description="Longest wait, in seconds, before one retry, whatever Retry-After asks.",
    )
    maxlag: int = Field(
        default=5,
        ge=0,
        description=(
            "`maxlag` sent with background fetches, so a lagged wiki can ask us to wait "
            "(Wikimedia's API etiquette). 0 disables it."
        ),
    )
    max_concurrent_requests: int = Field(
        default=3,
        ge=1,
        le=3,
        description=(
            "Most HTTP requests to one wiki host at once, across every process and machine "
            "of the service (Wikimedia asks for at most 3; each history is walked serially)."
        ),
    )
    allowed_wikis: str = Field(
        default=",".join(WIKIMEDIA_HOSTS),
        description=(
            "Comma-separated host patterns of the wikis the web app may fetch "
            "(`*.wikipedia.org`, `wiki.example.org`, `127.0.0.1:8080`); the default wiki is "
            "always allowed. Only a host named exactly (no `*`) may resolve to a loopback "
            "or private address. The CLI may fetch any wiki."
        ),
    )
    lookup_timeout: float = Field(
        default=5.0,
        gt=0,
        description=(
            "Seconds a web request waits for a wiki to look a title up (one try: the "
            "fetch jobs retry, a person should not wait)."
        ),
    )
    max_revisions: int = Field(
        default=1_000_000,
        ge=0,
        description=(
            "Largest history the web app fetches, in revisions (0: no limit); past it the "
            "job stops with what it stored and says why. `wikivice fetch` has no limit."
        ),
    )
    rate_limit_analyses: str = Field(
        default="20/minute;200/hour",
        description=(
            "Analyses (submissions, random articles) one client may start, as `limits` "
            "rates (`20/minute;200/hour`)."
        ),
    )
    rate_limit_lookups: str = Field(
        default="120/minute",
        description=(
            "Searches, title suggestions, diffs and pages of the history explorer one client "
            "may ask for (`limits` rates)."
        ),
    )
    rate_limit_exports: str = Field(
        default="10/minute",
        description="Revision exports (CSV, JSON) one client may download (`limits` rates).",
    )
    max_queued_per_client: int = Field(
        default=5,
        ge=1,
        description="Jobs one client may have queued or running at once.",
    )
    max_queued_jobs: int = Field(
        default=500,
        ge=1,
        description=(
            "Jobs queued or running in the whole service at once; past it new analyses "
            "are refused with 503 until some finish."
        ),
    )
    max_streams_per_client: int = Field(
        default=20,
        ge=1,
        description="Event streams one client may hold open at once (per web process).",
    )
    header_timeout: float = Field(
        default=5.0,
        gt=0,
        description="Seconds a client has to send a request's headers before it is cut off.",
    )
    db_timeout: float = Field(
        default=5.0,
        gt=0,
        description=(
            "Seconds to wait for the database to accept a connection (PostgreSQL's "
            "`connect_timeout`, whole seconds, at least 2), or for a free connection in the "
            "pool, before giving up: start-up then fails in one line, a request gets a 503."
        ),
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description=(
            "Addresses of the proxies (load balancers) whose X-Forwarded-For is trusted to "
            "name the client (rate limits are per client); `*` trusts any."
        ),
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info",
        description=(
            "Least severe log lines written (`wikivice serve` and `worker` also take "
            "`--log-level`). At `info`, a job logs its start and end; `debug` adds every "
            "request to a wiki, the access log and the migrations."
        ),
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description=(
            "`text`: lines for a terminal; `json`: one JSON object a line (time, level, "
            "logger, message, and the job, wiki and title on every line of a job's work)."
        ),
    )
    metrics_dir: Path | None = Field(
        default=None,
        description=(
            "A folder every process of one machine shares for its metrics "
            "(prometheus-client's multiprocess mode), so any web process's `/metrics` adds "
            "up all of them; empty it before they start. Unset: each process shows its own."
        ),
    )
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description=(
            "Port on which `wikivice worker` serves its own `/metrics` (for fleets whose "
            "workers share no `WIKIVICE_METRICS_DIR` with a web process)."
        ),
    )
    admin_token: SecretStr | None = Field(
        default=None,
        description=(
            "Turns on the job inspector at `/admin` (404 while unset): the token its login "
            "form asks for (or `Authorization: Bearer` asks with). Use a long random one, "
            "e.g. `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`."
        ),
    )
    rate_limit_admin: str = Field(
        default="10/minute;100/hour",
        description=(
            "Attempts to sign in to the job inspector (and requests with a wrong token) one "
            "client may make (`limits` rates)."
        ),
    )
    failed_jobs_keep_days: float = Field(
        default=7.0,
        ge=0,
        description=(
            "Days a job that failed after its last attempt is kept (to read its events and "
            "retry it from the inspector) before the reaper forgets it."
        ),
    )
    fresh_seconds: float = Field(
        default=600.0,
        ge=0,
        description=(
            "Stored data younger than this is shown without asking the wiki again; older "
            "data is shown at once while a refresh runs."
        ),
    )
    war_reverts: int = Field(
        default=3,
        ge=1,
        le=1000,
        description=(
            "Mutual reverts are an edit war when one of the editors made at least this many "
            "of them within `WIKIVICE_WAR_HOURS` (English Wikipedia's three-revert rule)."
        ),
    )
    war_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 365,
        description=(
            "The window of the edit-war rule, in hours: reverts this close are mutual, and "
            "`WIKIVICE_WAR_REVERTS` of them by one editor within it make a war."
        ),
    )
    workers: int = Field(
        default=2,
        ge=1,
        description="Fetch jobs one worker process (or the worker inside `wikivice serve`) runs "
        "at once.",
    )
    warm_up: bool = Field(
        default=True,
        description=(
            "At start-up, on a thread of its own, compile the templates, draw a sample "
            "dashboard and compress plotly.min.js, so the first visitor does not wait for it "
            "(about a second). The test suite turns it off, as each test's app would redo it."
        ),
    )
    huge_job_revisions: int = Field(
        default=20_000,
        ge=1,
        description=(
            "A fetch job expected to store more revisions than this (from the wiki's count, "
            "known after its first requests) is huge: while a smaller job has waited for a "
            "worker for a second or more, a huge one goes back to the queue between batches "
            "(after running at least a few seconds) and resumes from its checkpoint, so "
            "small analyses are never stuck behind huge ones."
        ),
    )
    job_retry_delay: float = Field(
        default=10.0,
        gt=0,
        description=(
            "Seconds a job waits before trying a wiki that ran out its retries again, "
            "times the attempts so far (10 s, 20 s, … by default)."
        ),
    )
    heartbeat_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How often a running job records that it is alive.",
    )
    stale_seconds: float = Field(
        default=15.0,
        gt=0,
        description=(
            "A running job whose last heartbeat is older than this is considered stalled: "
            "the reaper re-queues it to resume from its checkpoint."
        ),
    )
    job_attempts: int = Field(
        default=3,
        ge=1,
        description="Attempts a fetch job gets (first run plus resumes) before it fails.",
    )
    event_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        description=(
            "Longest time an event stream waits before looking for new job events in the "
            "database, in case a wake-up was missed (e.g. a worker in another process without "
            "Redis)."
        ),
    )

    @field_validator(
        "rate_limit_analyses", "rate_limit_lookups", "rate_limit_exports", "rate_limit_admin"
    )
    @classmethod
    def _rates(cls, value: str) -> str:
        """A rate the `limits` library reads (`20/minute;200/hour`), or a clear error at
        start-up rather than at the first request."""
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is not a rate: write `N/unit`, e.g. `20/minute;200/hour` "
                "(units: second, minute, hour, day)"
            ) from None
        return value

    @property
    def user_agent(self) -> str:
        import httpx

        return f"wikivice/{__version__} ({self.contact}) httpx/{httpx.__version__}"

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'wikivice.db').resolve()}"

    @property
    def allowed_wiki_patterns(self) -> list[str]:
        return [p.strip() for p in self.allowed_wikis.split(",") if p.strip()]

    @property
    def queue_path(self) -> Path:
        return self.data_dir / "queue.db"


def settings_markdown() -> str:
    """The settings table of `docs/settings.md`, generated from the fields above."""
    lines = [
        "# Settings",
        "",
        "Generated by `wikivice settings --markdown` from `src/wikivice/settings.py`; "
        "`tests/test_docs.py` checks it is current.",
        "Every setting is an environment variable (or a line in `.env`).",
        "",
        "| Variable | Default | Meaning |",
        "| --- | --- | --- |",
    ]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "unset" if default is None else f"`{default}`"
        lines.append(f"| `WIKIVICE_{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(lines) + "\n"


def settings_problem(exc: ValidationError) -> str:
    """What is wrong with the settings, in one line (pydantic's own text takes several
    lines per error): each setting's variable and what is wrong with it."""
    return "; ".join(
        f"WIKIVICE_{'_'.join(str(p) for p in error['loc']).upper()}: {error['msg']}"
        for error in exc.errors()
    )

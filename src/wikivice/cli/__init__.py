"""The `wikivice` command line. Each command is a few lines around plain functions."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, NoReturn

import click
import orjson
from pydantic import ValidationError

from wikivice import __version__
from wikivice.cli.interpreter import hand_the_gil_over_quickly, tune_interpreter
from wikivice.settings import Settings, settings_markdown, settings_problem
from wikivice.store.errors import DatabaseUnavailable
from wikivice.wiki.errors import InvalidTitle, MediaWikiError, PageMissing
from wikivice.wiki.sites import WikiSite, WikiSpecError, parse_wiki
from wikivice.wiki.titles import clean_title

if TYPE_CHECKING:
    from rich.console import Console

    from wikivice.jobs.foreground import FetchSummary
    from wikivice.jobs.runtime import Runtime
    from wikivice.jobs.snapshot import JobSnapshot
    from wikivice.store.headstart import HeadStart

# The database layer (SQLAlchemy, the models: most of the start-up) is imported inside
# the commands that use it, so `fetch` can start a new page's walk first.

WIKI_HELP = "Wikipedia language code (en) or the URL of any MediaWiki api.php."


def run() -> None:
    """The `wikivice` console script: `main`, then a quick exit. Tearing down the
    interpreter (SQLAlchemy, pydantic, httpx and their caches) costs a fifth of a second
    that nobody waits for on purpose, so once the command has returned and every
    non-daemon thread has ended, output is flushed and the process leaves at once.
    Nothing is lost: databases are closed by the commands themselves, SQLite's WAL is
    durable, and a daemon thread still waiting on a wiki has nothing to save."""
    tune_interpreter()
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
    except (DatabaseUnavailable, ValidationError) as exc:
        # What the operator must fix or wait out: one line, no traceback (issue 10).
        line = settings_problem(exc) if isinstance(exc, ValidationError) else str(exc)
        print(f"wikivice: {line}", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:  # Ctrl-C before a command had its own handlers
        code = 130
    for thread in threading.enumerate():
        if not thread.daemon and thread is not threading.current_thread():
            thread.join()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # a closed pipe (`wikivice … | head`)
        code = code or 1
    os._exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wikivice")
def main() -> None:
    """WikiVice: see what happens behind a Wikipedia article."""


LOG_LEVEL = click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default=None,
    help="Least severe log lines written [WIKIVICE_LOG_LEVEL, default info].",
)


def _with_log_level(settings: Settings, level: str | None) -> Settings:
    return settings.model_copy(update={"log_level": level}) if level else settings


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--no-worker", is_flag=True, help="Leave fetch jobs to `wikivice worker`.")
@click.option("--demo", is_flag=True, help="Start the MediaWiki simulator and use it (offline).")
@LOG_LEVEL
def serve(host: str, port: int, no_worker: bool, demo: bool, log_level: str | None) -> None:
    """Run the web app (and, unless --no-worker, the job worker in the same process)."""
    from wikivice.web.server import port_taken
    from wikivice.web.server import serve as run_server

    settings = _with_log_level(Settings(), log_level)
    if settings.database_url and not demo:
        # Before uvicorn, whose failed start-up would print a traceback: a server that
        # never answers fails here, in WIKIVICE_DB_TIMEOUT, in one line.
        from wikivice.store.database import check_database

        check_database(settings.sqlalchemy_url, settings.db_timeout)
    if port_taken(host, port):
        raise click.ClickException(f"port {port} is in use on {host}: choose another with --port")
    run_server(settings, host=host, port=port, worker=not no_worker, demo=demo)


@main.command()
@click.option("--threads", type=int, default=None, help="Jobs run at once [WIKIVICE_WORKERS].")
@LOG_LEVEL
def worker(threads: int | None, log_level: str | None) -> None:
    """Run a standalone worker that takes fetch jobs from the queue."""
    from wikivice.jobs.worker import run_worker_process

    run_worker_process(_with_log_level(Settings(), log_level), threads=threads)


@main.command()
def migrate() -> None:
    """Bring the database's schema to this release (a deployment's release step; `serve`
    and `worker` also do it at start, and find nothing to do after this)."""
    from wikivice.store.database import SCHEMA_REVISION, Database

    settings = Settings()
    db = Database(settings.sqlalchemy_url, timeout=settings.db_timeout)
    try:
        db.migrate()
    finally:
        db.dispose()
    click.echo(f"the database's schema is at {SCHEMA_REVISION}")


@main.command()
@click.argument("title")
@click.option("--wiki", default=None, help=WIKI_HELP + " [WIKIVICE_DEFAULT_WIKI]")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead.")
def fetch(title: str, wiki: str | None, as_json: bool) -> None:
    """Fetch (or refresh) an article's whole revision history, with a progress bar.

    Run by the machine's own user, it trusts --wiki: any wiki at any address, a local one
    included (WIKIVICE_ALLOWED_WIKIS binds only what the web app fetches for strangers),
    and no cap on the history's size (WIKIVICE_MAX_REVISIONS is the web app's)."""
    hand_the_gil_over_quickly()
    settings = Settings()
    site = site_of(wiki or settings.default_wiki)
    started = time.monotonic()
    try:
        head = _head_start(settings, site, title)
        try:
            from wikivice.jobs.runtime import Runtime  # while the head start walks

            rt = Runtime.create(settings, wikis=head.wikis)
            try:
                summary = _fetch(rt, site, head, started, show_progress=not as_json)
            finally:
                rt.close()
        finally:
            if head.fetcher is not None:
                head.fetcher.stop()
    except KeyboardInterrupt:  # before the fetch began: nothing to resume
        _err().print("interrupted")
        sys.exit(130)
    if as_json:
        click.echo(orjson.dumps(summary).decode())
    else:
        _err().print(_describe(summary), highlight=False, soft_wrap=True)
    if summary["status"] != "done":
        sys.exit(1)


@main.command()
@click.argument("title")
@click.option("--wiki", default=None, help=WIKI_HELP + " [WIKIVICE_DEFAULT_WIKI]")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def stats(title: str, wiki: str | None, as_json: bool) -> None:
    """The dashboard's figures for an article already fetched."""
    from wikivice.figures.cache import figures_for
    from wikivice.figures.conflict import WarThreshold, in_words
    from wikivice.jobs.runtime import Runtime
    from wikivice.store import pages

    settings = Settings()
    site = site_of(wiki or settings.default_wiki)
    rt = Runtime.create(settings)
    try:
        with rt.db.read() as conn:
            page = pages.find_page(conn, site.key, _normal(title))
        if page is None:
            _fail(f"{title!r} has not been fetched from {site.key} yet: run wikivice fetch")
        figures = figures_for(rt.db, page.id, WarThreshold.of(settings))
    finally:
        rt.close()
    if as_json:
        click.echo(orjson.dumps(figures, option=orjson.OPT_INDENT_2).decode())
        return
    for key, value in figures.items():
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            click.echo(f"{key}: {value:,}" if isinstance(value, int) else f"{key}: {value}")
        elif isinstance(value, dict) and {"revid", "timestamp"} <= value.keys():
            click.echo(f"{key}: {value['timestamp']} by {value.get('user') or '(hidden)'}")
    for line in in_words(figures["conflict"]):
        click.echo(line)
    click.echo("(the whole set, charts' data included: --json)")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
@click.option("--latency", default=0.0, show_default=True, type=float, help="Seconds per call.")
@click.option("--faults", default="", help="Fault spec, e.g. '5xx=0.1,429=0.05,seed=7'.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of faults.")
@click.option("--anchor", default=None, help="ISO time of the newest edits (default: today).")
def simulator(
    host: str, port: int, latency: float, faults: str, seed: int, anchor: str | None
) -> None:
    """Run the MediaWiki simulator at http://HOST:PORT/w/api.php and /w/rest.php."""
    from wikivice.simulator.server import serve as run_simulator

    when = datetime.fromisoformat(anchor.replace("Z", "+00:00")) if anchor else None
    run_simulator(port=port, latency=latency, faults=faults, seed=seed, anchor=when, host=host)


@main.command("settings")
@click.option("--markdown", is_flag=True, help="Print docs/settings.md.")
def show_settings(markdown: bool) -> None:
    """Show the settings (all from WIKIVICE_* environment variables)."""
    if markdown:
        click.echo(settings_markdown(), nl=False)
        return
    for name, value in Settings().model_dump().items():
        click.echo(f"WIKIVICE_{name.upper()}={value}")


def _head_start(settings: Settings, site: WikiSite, title: str) -> HeadStart:
    from wikivice.store import headstart

    try:
        return headstart.begin(settings, site, title)
    except PageMissing as exc:
        hint = f" Did you mean: {', '.join(exc.suggestions)}?" if exc.suggestions else ""
        _fail(f"{site.key} has no article called {exc.title!r}.{hint}")
    except InvalidTitle as exc:
        _fail(str(exc))
    except MediaWikiError as exc:
        _fail(str(exc), code=1)


def _fetch(
    rt: Runtime, site: WikiSite, head: HeadStart, started: float, *, show_progress: bool
) -> FetchSummary:
    from wikivice.jobs.foreground import fetch_in_foreground

    # A bar in a log file is only noise (and --json wants none).
    bar = _ProgressBar() if show_progress and _err().is_terminal else None
    with bar or contextlib.nullcontext():
        try:
            return fetch_in_foreground(
                rt,
                site,
                head.resolved,
                started,
                head_start=head.fetcher,
                watch=bar.show if bar is not None else None,
            )
        except KeyboardInterrupt:
            _err().print("interrupted: the next `wikivice fetch` resumes where this one stopped")
            sys.exit(130)


class _ProgressBar:
    """rich's progress bar: N of M revisions, rate and ETA, on standard error."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=_err(),
            transient=True,
        )
        self._task = self._progress.add_task("queued", total=None, rate="")
        self._started = time.monotonic()
        self._first_done: int | None = None

    def __enter__(self) -> _ProgressBar:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def show(self, job: JobSnapshot) -> None:
        from rich.markup import escape

        if self._first_done is None:
            self._first_done = job.done
        rate = (job.done - self._first_done) / max(time.monotonic() - self._started, 1e-3)

        self._progress.update(
            self._task,
            description=escape(job.message or job.stage.label),
            completed=job.done,
            total=job.total,
            rate=f"{rate:,.0f} rev/s" if rate else "",
        )


@cache
def _err() -> Console:
    """Standard error through rich (imported on first use: `--json` never needs it)."""
    from rich.console import Console

    return Console(stderr=True)


def _describe(summary: FetchSummary) -> str:
    from rich.markup import escape

    if summary["status"] != "done":
        ended = escape(str(summary["status"]))
        return (
            f"[red]{escape(summary['title'])}: {ended}: {escape(str(summary.get('error')))}[/red]"
        )
    text = (
        f"{escape(summary['title'])}: {summary['revisions']:,} revisions stored "
        f"({summary['new_revisions']:,} new) in {summary['seconds']:.1f} s"
    )
    redirected_from = summary["redirected_from"]
    if redirected_from:
        text += f" (redirected from {escape(redirected_from)})"
    return text


def site_of(spec: str) -> WikiSite:
    try:
        return parse_wiki(spec)
    except WikiSpecError as exc:
        _fail(str(exc))


def _normal(title: str) -> str:
    try:
        return clean_title(title)
    except InvalidTitle as exc:
        _fail(str(exc))


def _fail(message: str, code: int = 2) -> NoReturn:
    from rich.markup import escape

    _err().print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(code)


def cli_markdown() -> str:
    """docs/cli.md: every command's --help, generated (tests/test_docs.py checks it)."""
    lines = [
        "# Command line",
        "",
        "Generated from the commands' own help by `make docs`; `tests/test_docs.py` checks it.",
        "",
    ]
    ctx = click.Context(main, info_name="wikivice", terminal_width=88, max_content_width=88)
    for name in main.list_commands(ctx):
        command = main.get_command(ctx, name)
        assert command is not None
        sub = click.Context(command, info_name=name, parent=ctx)
        lines += [f"## wikivice {name}", "", "```", command.get_help(sub), "```", ""]
    return "\n".join(lines)


# Commands kept in modules of their own (registered on `main` when imported).
from wikivice.cli import languages as _languages  # noqa: E402, F401

"""`wikivice languages`: the Wikipedia language codes known before any wiki is asked
(`wiki/languages.txt`), and `--refresh` to read them again from Wikimedia's site matrix."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from wikivice.cli import main, site_of
from wikivice.settings import Settings
from wikivice.wiki.sites import languages_path, wikipedia_languages, write_languages

META_API = "https://meta.wikimedia.org/w/api.php"


@main.command()
@click.option("--refresh", is_flag=True, help="Read the list again from the site matrix.")
@click.option("--wiki", default=META_API, show_default=True, help="The api.php to ask.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the list (default: the one this installation reads).",
)
def languages(refresh: bool, wiki: str, output: Path | None) -> None:
    """The Wikipedia language codes a wiki box accepts (`en`, `fr`…): shipped with the
    package, so an unknown code is refused before any request."""
    known = wikipedia_languages()
    if not refresh:
        click.echo(f"{len(known):,} Wikipedia languages, from {languages_path()}")
        return
    from wikivice.wiki.pool import WikiClients

    wikis = WikiClients(Settings())  # the machine's own user: any wiki (`--wiki`)
    try:
        codes = wikis.client(site_of(wiki)).wikipedia_languages()
    finally:
        wikis.close()
    if not codes:
        raise click.ClickException(f"{wiki} listed no Wikipedia languages: nothing written")
    path = output or languages_path()
    write_languages(codes, path, datetime.now(UTC).strftime("%Y-%m-%d"))
    added, removed = sorted(set(codes) - known), sorted(known - set(codes))
    click.echo(
        f"{len(codes):,} Wikipedia languages written to {path} "
        f"({len(added):,} new: {' '.join(added[:10]) or '-'}; "
        f"{len(removed):,} gone: {' '.join(removed[:10]) or '-'})"
    )

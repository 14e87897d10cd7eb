"""The `wikivice` command as a user runs it: a real process against the simulator."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

from support import BlackHole
from wikivice.simulator import SimulatorServer
from wikivice.store.database import Database
from wikivice.store.models import Revision

WIKIVICE = str(Path(sys.executable).parent / "wikivice")


@pytest.fixture
def env(tmp_path: Path, database_url: str, simulator: SimulatorServer) -> dict[str, str]:
    return {
        **os.environ,
        "WIKIVICE_DATA_DIR": str(tmp_path / "data"),
        "WIKIVICE_DATABASE_URL": database_url,
        "WIKIVICE_REDIS_URL": "",
        "WIKIVICE_DEFAULT_WIKI": simulator.api_url,
        "WIKIVICE_CONTACT": "wikivice-tests@example.org",
        "WIKIVICE_STALE_SECONDS": "1",
    }


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WIKIVICE, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_fetch_json_reports_what_was_stored(env: dict[str, str]) -> None:
    result = run(env, "fetch", "synthetic_1500", "--json")
    assert result.returncode == 0, result.stderr
    summary = orjson.loads(result.stdout)
    assert summary["title"] == "Synthetic 1500"
    assert summary["revisions"] == 1500 and summary["new_revisions"] == 1500
    assert summary["pageid"] > 0 and summary["seconds"] > 0
    again = orjson.loads(run(env, "fetch", "Synthetic 1500", "--json").stdout)
    assert again["new_revisions"] == 0 and again["revisions"] == 1500


def test_fetch_follows_a_redirect_and_says_so(env: dict[str, str]) -> None:
    result = run(env, "fetch", "Turing")
    assert result.returncode == 0
    assert "Alan Turing: 4,000 revisions stored" in result.stderr
    assert "redirected from Turing" in result.stderr


def test_fetch_of_a_missing_title_suggests_others(env: dict[str, str]) -> None:
    result = run(env, "fetch", "Coffe")
    assert result.returncode == 2
    assert "no article called 'Coffe'" in result.stderr and "Coffee" in result.stderr


def test_fetch_of_an_invalid_title_or_wiki_is_refused(env: dict[str, str]) -> None:
    assert run(env, "fetch", "A[b]").returncode == 2
    bad = run(env, "fetch", "Coffee", "--wiki", "not a wiki")
    assert bad.returncode == 2 and "neither a Wikipedia language code" in bad.stderr


def test_stats_json_has_the_figures(env: dict[str, str]) -> None:
    assert run(env, "fetch", "Synthetic 800").returncode == 0
    result = run(env, "stats", "Synthetic 800", "--json")
    assert result.returncode == 0, result.stderr
    figures = orjson.loads(result.stdout)
    assert figures["edits"] == 800
    for key in ("editors", "anonymous_share", "first_edit", "last_edit", "reverts"):
        assert key in figures
    plain = run(env, "stats", "Synthetic 800")
    assert "edits: 800" in plain.stdout
    vandalism = figures["conflict"]["vandalism"]
    assert f"vandalism_undone: {vandalism['acts']:,} acts, median time to revert" in plain.stdout
    wars = figures["conflict"]["war_count"]
    assert (
        f"edit_wars: {wars} (editors reverting each other, one of them 3 times within 24 hours)"
        in (plain.stdout)
    )
    for war in figures["conflict"]["edit_wars"]:
        for c in war["combatants"]:
            assert f"     {c['name']} reverted {c['reverted'][0]['name']} (" in plain.stdout


def test_stats_of_a_page_at_war(env: dict[str, str]) -> None:
    assert run(env, "fetch", "Edit war").returncode == 0
    plain = run(env, "stats", "Edit war")
    assert plain.returncode == 0, plain.stderr
    assert "edit_wars: 8 (" in plain.stdout and "  #1 " in plain.stdout
    assert "vandalism_undone: 34 acts, median time to revert 2.3 minutes, 62% by bots" in (
        plain.stdout
    )
    stricter = {**env, "WIKIVICE_WAR_REVERTS": "6"}
    figures = orjson.loads(run(stricter, "stats", "Edit war", "--json").stdout)
    assert figures["conflict"]["war_rule"] == {"reverts": 6, "hours": 24}
    assert 0 < figures["conflict"]["war_count"] < 8


def test_stats_of_an_article_never_fetched(env: dict[str, str]) -> None:
    result = run(env, "stats", "Never fetched", "--json")
    assert result.returncode == 2 and "has not been fetched" in result.stderr


def stored_revisions(env: dict[str, str]) -> int:
    url = env["WIKIVICE_DATABASE_URL"]
    if not url:
        return 0
    database = Database(url)
    try:
        with database.read() as conn:
            return int(conn.execute(select(func.count()).select_from(Revision)).scalar_one())
    except Exception:  # the tables may not exist yet
        return 0
    finally:
        database.dispose()


def test_interrupted_fetch_resumes_with_the_next_one(
    env: dict[str, str], simulator: SimulatorServer
) -> None:
    simulator.sim.latency = 0.02
    process = subprocess.Popen(
        [WIKIVICE, "fetch", "Synthetic 20000", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while stored_revisions(env) < 1500:  # well into the fetch
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130
    assert "the next `wikivice fetch` resumes" in err
    simulator.sim.latency = 0.0
    simulator.sim.reset_stats()
    result = run(env, "fetch", "Synthetic 20000", "--json")
    summary = orjson.loads(result.stdout)
    assert summary["revisions"] == 20000
    # The job's new revisions, its first run's included; it resumed, not started again.
    assert summary["new_revisions"] == 20000
    assert simulator.sim.stats.revisions_served < 20000


def test_migrate_brings_a_new_database_to_the_schema_and_is_idempotent(
    plain_env: dict[str, str], new_database_url: str
) -> None:
    from wikivice.store.database import SCHEMA_REVISION, schema_revision

    database_url = new_database_url
    env = {**plain_env, "WIKIVICE_DATABASE_URL": database_url}
    for _ in range(2):  # a release step may run again: nothing to do the second time
        done = run(env, "migrate")
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"the database's schema is at {SCHEMA_REVISION}"
    db = Database(database_url)
    try:
        assert schema_revision(db) == SCHEMA_REVISION
    finally:
        db.dispose()


# -- a database that cannot be used: one line, no traceback, never a hang --------------


@pytest.fixture
def plain_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "WIKIVICE_DATA_DIR": str(tmp_path / "data"),
        "WIKIVICE_REDIS_URL": "",
        "WIKIVICE_CONTACT": "wikivice-tests@example.org",
    }


def only_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(
    ("command", "timeout"), [(["serve", "--port", "0"], None), (["worker"], "2")]
)
def test_a_database_that_never_answers_fails_start_up_in_one_line(
    plain_env: dict[str, str], command: list[str], timeout: str | None
) -> None:
    with BlackHole() as hole:
        env = {**plain_env, "WIKIVICE_DATABASE_URL": f"postgresql://u:pw@127.0.0.1:{hole.port}/x"}
        if timeout:
            env["WIKIVICE_DB_TIMEOUT"] = timeout
        started = time.monotonic()
        result = run(env, *command)
        took = time.monotonic() - started
    assert result.returncode == 1
    assert took < 15  # the bound; the default wait is 5 s
    assert only_line(result.stderr) == (
        f"wikivice: cannot reach the database at 127.0.0.1:{hole.port} "
        f"(no answer in {timeout or 5} s); check WIKIVICE_DATABASE_URL"
    )


def test_sigterm_ends_a_start_up_waiting_for_the_database(plain_env: dict[str, str]) -> None:
    with BlackHole() as hole:
        env = {**plain_env, "WIKIVICE_DATABASE_URL": f"postgresql://u@127.0.0.1:{hole.port}/x"}
        process = subprocess.Popen([WIKIVICE, "serve", "--port", "0"], env=env)
        try:
            deadline = time.monotonic() + 30  # start-up, on a loaded machine
            while not hole.held and time.monotonic() < deadline:  # it is waiting now
                time.sleep(0.05)
            assert hole.held
            process.send_signal(signal.SIGTERM)
            started = time.monotonic()
            process.wait(5)
            assert time.monotonic() - started < 2
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.returncode != 0


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["worker"], ["stats", "X"]])
def test_a_database_url_we_cannot_use_is_one_line(
    plain_env: dict[str, str], command: list[str]
) -> None:
    env = {**plain_env, "WIKIVICE_DATABASE_URL": "mysql://u:secret@127.0.0.1/x"}
    result = run(env, *command)
    assert result.returncode == 1
    line = only_line(result.stderr)
    assert line.startswith("wikivice: WIKIVICE_DATABASE_URL: 'mysql' is not a database")
    assert "secret" not in line


def test_a_setting_that_is_not_what_it_should_be_is_one_line(
    plain_env: dict[str, str],
) -> None:
    result = run({**plain_env, "WIKIVICE_DB_TIMEOUT": "soon"}, "worker")
    assert result.returncode == 1
    assert only_line(result.stderr).startswith("wikivice: WIKIVICE_DB_TIMEOUT: Input should be")


def test_languages_are_read_again_from_a_site_matrix(
    env: dict[str, str], simulator: SimulatorServer, tmp_path: Path
) -> None:
    """`wikivice languages --refresh` reads the simulator's site matrix (as it would
    meta.wikimedia.org's): its Wikipedias, closed ones included, and nothing else."""
    listed = run(env, "languages")
    assert listed.returncode == 0 and "Wikipedia languages, from" in listed.stdout
    output = tmp_path / "languages.txt"
    done = run(env, "languages", "--refresh", "--wiki", simulator.api_url, "--output", str(output))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"3 Wikipedia languages written to {output}")
    lines = output.read_text().splitlines()
    assert lines[0].startswith("# Wikipedia language codes")
    assert [line for line in lines if not line.startswith("#")] == ["aa", "en", "fr"]


def test_serve_on_a_port_in_use_says_so_with_the_option_to_change_it(
    env: dict[str, str],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(env, "serve", "--port", str(port))
    assert result.returncode == 1
    assert (
        result.stderr == f"Error: port {port} is in use on 127.0.0.1: choose another with --port\n"
    )
    assert "WikiVice at" not in result.stderr + result.stdout  # no address that is not ours

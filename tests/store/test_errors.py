"""What an operator reads when the database cannot be used: one line, no password."""

from __future__ import annotations

from wikivice.store.errors import unknown_url, unreachable

REFUSED = (
    'connection failed: connection to server at "127.0.0.1", port 1 failed: Connection '
    "refused\n\tIs the server running on that host and accepting TCP/IP connections?"
)
NO_DATABASE = (
    'connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  '
    'database "nope" does not exist'
)


def test_a_server_that_never_answers_is_named_with_the_wait() -> None:
    message = str(unreachable("10.0.0.9:5432", "connection timeout expired", 5.0))
    assert message == (
        "cannot reach the database at 10.0.0.9:5432 (no answer in 5 s); check WIKIVICE_DATABASE_URL"
    )


def test_a_refusal_or_the_servers_reason_is_one_line() -> None:
    refused = str(unreachable("127.0.0.1:1", REFUSED, 5.0))
    assert refused == (
        "cannot reach the database at 127.0.0.1:1 (connection refused); check WIKIVICE_DATABASE_URL"
    )
    missing = str(unreachable("127.0.0.1:5432", NO_DATABASE, 5.0))
    assert '(FATAL:  database "nope" does not exist)' in missing
    for message in (refused, missing, str(unreachable("h:1", "", 5.0))):
        assert "\n" not in message


def test_an_unknown_scheme_names_the_setting_and_what_works() -> None:
    message = str(unknown_url("mysql"))
    assert message.startswith("WIKIVICE_DATABASE_URL: 'mysql' is not a database")
    assert "postgresql://" in message and "sqlite:///" in message
    for hostile in ("x\n" * 30, None, "A" * 41):
        assert str(unknown_url(hostile)).startswith("WIKIVICE_DATABASE_URL: this is not")

"""Docs generated from the code must match it (datasette's test_docs habit)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from wikivice.cli import main
from wikivice.settings import Settings, settings_markdown

ROOT = Path(__file__).parent.parent


def test_settings_doc_is_current() -> None:
    written = (ROOT / "docs" / "settings.md").read_text()
    assert written == settings_markdown(), "run `make docs` to regenerate docs/settings.md"


def test_cli_doc_is_current() -> None:
    from wikivice.cli import cli_markdown

    written = (ROOT / "docs" / "cli.md").read_text()
    assert written == cli_markdown(), "run `make docs` to regenerate docs/cli.md"


def test_settings_each_have_a_description() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description and len(field.description) > 20, name


def test_readme_documents_every_command() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = main.list_commands(None)  # type: ignore[arg-type]
    for command in commands:
        assert f"wikivice {command}" in readme, f"README does not mention `wikivice {command}`"


def test_readme_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme


def test_cli_help_runs_for_every_command() -> None:
    runner = CliRunner()
    for command in main.list_commands(None):  # type: ignore[arg-type]
        result = runner.invoke(main, [command, "--help"])
        assert result.exit_code == 0, result.output
        assert re.search(r"Usage: ", result.output)

"""Help texts: prose is re-wrapped to the terminal, laid-out blocks are kept."""

from __future__ import annotations

from typer.testing import CliRunner

from riotjobs.cli import app
from riotjobs.cli._app import reflow


def test_reflow_joins_prose_and_keeps_laid_out_paragraphs() -> None:
    text = (
        "Summary line.\n\n"
        "A paragraph wrapped\nin the source\nat some width.\n\n"
        "\b\nExit codes:\n    0    success\n    1    failed\n\n"
        "- a bullet\n- another\n\n"
        "Example:  riotjobs status"
    )
    assert reflow(text) == (
        "Summary line.\n\n"
        "A paragraph wrapped in the source at some width.\n\n"
        "\b\nExit codes:\n    0    success\n    1    failed\n\n"
        "- a bullet\n- another\n\n"
        "Example:  riotjobs status"
    )
    assert reflow(None) is None
    assert reflow("") == ""


def test_run_help_fits_80_columns_without_ragged_lines() -> None:
    result = CliRunner().invoke(app, ["run", "--help"], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert all(len(line) <= 80 for line in lines)
    # Every exit code's line is whole: the table is laid out to fit.
    for code in ("0 ", "1 ", "2 ", "3 ", "69", "75", "78", "124", "130", "143"):
        row = [line for line in lines if line.strip().startswith(code + " ")]
        assert len(row) == 1, (code, lines)
    # Prose flows: a sentence is not broken where the source file wrapped it.
    text = " ".join(result.output.split())
    assert "(trigger manual). Nothing is printed unless" in text
    assert "one `riotjobs:` line on stderr says what happened" in text


def test_cancel_help_has_an_example_and_its_exit_codes() -> None:
    result = CliRunner().invoke(app, ["cancel", "--help"], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 0
    assert all(len(line) <= 80 for line in result.output.splitlines())
    assert "Example:  riotjobs cancel player_analyzer --reason" in result.output
    for code in ("0 ", "1 ", "2 "):
        assert any(line.strip().startswith(code) for line in result.output.splitlines()), code
    assert "riotjobs jobs disable --all" in " ".join(result.output.split())

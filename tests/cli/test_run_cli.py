"""`riotjobs run` argument handling and its help text (the documented exit codes)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_riotjobs


def test_run_help_documents_exit_codes_and_the_pgbouncer_caveat(tmp_path: Path) -> None:
    result = run_riotjobs("run", "--help", env={"PATH": "/usr/bin:/bin", "COLUMNS": "120"})
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for code, meaning in [
        ("0", "success"),
        ("1", "failed"),
        ("2", "usage error"),
        ("3", "partial"),
        ("69", "the database or the Riot API is unreachable"),
        ("75", "skipped"),
        ("78", "configuration error"),
        ("124", "timeout"),
        ("130", "cancelled by `riotjobs cancel`"),
    ]:
        assert f"{code} {meaning}" in text, (code, meaning)
    assert "interrupted by SIGINT" in text and "143 interrupted by SIGTERM" in text
    assert "PgBouncer" in text and "session pooling" in text
    assert "Example:" in text


def test_unknown_job_and_bad_trigger_are_usage_errors(
    cli_env: dict[str, str], jobs_file: object
) -> None:
    unknown = run_riotjobs("run", "no_such_job", env=cli_env)
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("riotjobs: unknown job 'no_such_job'")
    bad = run_riotjobs("run", "smoke", "--trigger", "hourly", env=cli_env)
    assert bad.returncode == 2

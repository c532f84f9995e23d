"""`riotjobs report smurfs`: the players the latest analysis flags, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import re
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

import typer

from riotjobs.cli import _common
from riotjobs.cli._app import app
from riotjobs.errors import UsageError

if TYPE_CHECKING:
    from riotjobs.analysis import SmurfRow

report_app = typer.Typer(
    help="Reports over the analysed players.\n\nExample:  riotjobs report smurfs --since 7d",
)
app.add_typer(report_app, name="report")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_AGE_RE = re.compile(r"^(\d+)([smhdw])$")


def parse_age(value: str) -> timedelta:
    """``90s``, ``30m``, ``12h``, ``7d``, ``2w`` → a timedelta (UsageError otherwise)."""
    match = _AGE_RE.match(value.strip().lower())
    if match is None:
        raise UsageError(f"--since {value!r}: use a number and a unit (s, m, h, d, w), e.g. 7d")
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def _top(row: SmurfRow) -> str:
    return ", ".join(f"{c.score} {c.value:.2f} ({c.contribution:+.2f})" for c in row.top_scores)


def _ban(row: SmurfRow) -> str:
    if row.is_banned:
        when = row.banned_at.strftime("%Y-%m-%d") if row.banned_at else "?"
        return f"banned {when}"
    if row.last_ban_check is None:
        return "not checked"
    return f"active (checked {row.last_ban_check:%Y-%m-%d})"


def _csv(rows: list[SmurfRow]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(
        ["puuid", "riot_id", "summoner_level", "confidence", "analyzed_at", "sample_size",
         "top_1", "top_2", "top_3", "is_banned", "banned_at", "last_ban_check"]
    )  # fmt: skip
    for r in rows:
        tops = [f"{c.score}={c.value:.4f}" for c in r.top_scores] + [""] * 3
        writer.writerow(
            [r.puuid, r.riot_id or "", r.summoner_level if r.summoner_level is not None else "",
             f"{r.confidence:.4f}", r.analyzed_at.isoformat(), r.sample_size, *tops[:3],
             str(r.is_banned).lower(), r.banned_at.isoformat() if r.banned_at else "",
             r.last_ban_check.isoformat() if r.last_ban_check else ""]
        )  # fmt: skip


@report_app.command("smurfs")
def smurfs(
    since: str | None = typer.Option(
        None, "--since", help="Only analyses newer than this age: 12h, 7d, 2w."
    ),
    min_confidence: float | None = typer.Option(
        None,
        "--min-confidence",
        min=0.0,
        max=1.0,
        help="List players at or above this confidence instead of the stored smurf flag.",
    ),
    limit: int = typer.Option(1000, "--limit", max=100_000, min=1, help="At most this many rows."),
    as_json: bool = _common.JSON_OPTION,
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV for spreadsheets."),
) -> None:
    """List flagged players (latest analysis each): riot id, confidence, the three scores that
    drove the verdict most (value and log-odds added) and their ban state.

    Example:  riotjobs report smurfs --since 7d --min-confidence 0.7 --json
    """
    if as_json and as_csv:
        raise UsageError("choose one of --json and --csv")
    age = parse_age(since) if since is not None else None
    from riotjobs.analysis import smurf_report

    with _common.session() as session:
        rows = smurf_report(session=session, since=age, min_confidence=min_confidence, limit=limit)
    if as_json:
        from riotjobs.cli import output

        output.print_json({"count": len(rows), "players": [r.as_dict() for r in rows]})
        return
    if as_csv:
        _csv(rows)
        return
    _table(rows)


def _table(rows: list[SmurfRow]) -> None:
    from riotjobs.cli import output

    if not rows:
        output.info("no flagged players")
        return
    table = output.table(
        "player^", "level>?", "confidence>", "top scores~?", "games>?", "analysed?", "ban",
        title=f"Flagged players ({len(rows)})",
    )  # fmt: skip
    for r in rows:
        table.add_row(
            output.escape(r.riot_id or r.puuid[:16] + "…"),
            "" if r.summoner_level is None else str(r.summoner_level),
            f"{r.confidence:.2f}",
            _top(r),
            str(r.sample_size),
            f"{r.analyzed_at:%Y-%m-%d %H:%M}",
            _ban(r),
        )
    output.console().print(output.fit(table))

"""`riotjobs players`: track and untrack players, list them, show one in detail."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from riotjobs.cli import _common
from riotjobs.cli._app import app
from riotjobs.errors import UsageError

if TYPE_CHECKING:
    from riotjobs.ops.players import PlayerDetail, PlayerRow

players_app = typer.Typer(
    no_args_is_help=True,
    help="Track players and look at what the pipeline knows about them.\n\n"
    "Example:  riotjobs players track 'Faker#KR1' --platform kr",
)
app.add_typer(players_app, name="players")


@players_app.command("track")
def track(
    identifier: str = typer.Argument(..., metavar="NAME#TAG|PUUID", help="Riot ID or puuid."),
    platform: str | None = typer.Option(
        None, "--platform", help="Platform (na1, euw1, kr, ...); default RIOTJOBS_PLATFORM."
    ),
    as_json: bool = _common.JSON_OPTION,
) -> None:
    """Track a player: `tracked_player_updater` keeps their ranked matches and rank current.

    A Riot ID is resolved through account-v1 (needs RIOT_API_KEY); a puuid is stored as given
    and checked through summoner-v4 when a key is set. Exit 1 for an unknown player, 2 when
    max_tracked_players players are tracked already.

    Example:  riotjobs players track 'Hide on bush#KR1' --platform kr
    """
    from riotjobs.cli import output
    from riotjobs.ops.players import track as track_player

    cfg = _common.settings()
    with _common.engine(cfg) as (engine, url):
        result = track_player(
            settings=cfg, engine=engine, db_url=url, identifier=identifier, platform=platform
        )
    if as_json:
        output.print_json({"status": result.status, "player": result.player.as_dict()})
        return
    p = result.player
    who = output.clean(p.riot_id or p.puuid)
    output.info(f"{result.status}: {who} ({p.platform}, puuid {p.puuid})")


@players_app.command("untrack")
def untrack(
    identifier: str = typer.Argument(..., metavar="NAME#TAG|PUUID", help="Riot ID or puuid."),
    as_json: bool = _common.JSON_OPTION,
) -> None:
    """Stop tracking a player. Their stored matches and analyses stay.

    Example:  riotjobs players untrack 'Hide on bush#KR1'
    """
    from riotjobs.cli import output
    from riotjobs.ops.players import untrack_player

    with _common.session() as session:
        row = untrack_player(session=session, identifier=identifier)
    if as_json:
        output.print_json({"status": "untracked", "player": row.as_dict()})
        return
    output.info(f"untracked: {output.clean(row.riot_id or row.puuid)}")


@players_app.command("list")
def list_(
    tracked: bool = typer.Option(False, "--tracked", help="Only tracked players."),
    smurfs: bool = typer.Option(False, "--smurfs", help="Only players flagged as smurfs."),
    banned: bool = typer.Option(False, "--banned", help="Only players found banned."),
    limit: int = typer.Option(100, "--limit", max=100_000, min=1, help="At most this many rows."),
    as_json: bool = _common.JSON_OPTION,
) -> None:
    """List players: tracked ones first, then the most recently updated.

    Example:  riotjobs players list --smurfs --json
    """
    from riotjobs.cli import output
    from riotjobs.ops.players import list_players

    flags = {"tracked": tracked, "smurfs": smurfs, "banned": banned}
    chosen = [name for name, on in flags.items() if on]
    if len(chosen) > 1:
        raise UsageError("choose at most one of --tracked, --smurfs and --banned")
    which: Any = chosen[0] if chosen else "all"
    with _common.session() as session:
        rows = list_players(session=session, which=which, limit=limit)
    if as_json:
        output.print_json({"count": len(rows), "players": [r.as_dict() for r in rows]})
        return
    _list_table(rows, which)


@players_app.command("show")
def show(
    identifier: str = typer.Argument(..., metavar="NAME#TAG|PUUID", help="Riot ID or puuid."),
    as_json: bool = _common.JSON_OPTION,
) -> None:
    """Show one player: matches stored, rank history and the latest analysis.

    Flags, match counts (all queues and ranked solo), last update, rank snapshots (newest
    first) and the latest analysis as a table of its scores with how much each drove the
    verdict; says when that analysis predates the current analysis version.

    Example:  riotjobs players show 'Hide on bush#KR1'
    """
    from riotjobs.cli import output
    from riotjobs.ops.players import show_player

    with _common.session() as session:
        detail = show_player(session=session, identifier=identifier)
    if as_json:
        output.print_json(detail.as_dict())
        return
    _detail(detail)


def _when(value: Any) -> str:
    return "-" if value is None else f"{value:%Y-%m-%d %H:%M}"


def _list_table(rows: list[PlayerRow], which: str) -> None:
    from riotjobs.cli import output

    if not rows:
        output.info("no players" if which == "all" else f"no {which} players")
        return
    table = output.table(
        "player^", "platform?", "level>?", "ranked>?", "tracked", "smurf", "banned", "updated?",
        title=f"Players ({len(rows)})",
    )  # fmt: skip
    for r in rows:
        smurf = (
            "-" if r.confidence is None else f"{'yes' if r.is_smurf else 'no'} {r.confidence:.2f}"
        )
        table.add_row(
            output.escape(r.riot_id or r.puuid),
            r.platform,
            "" if r.summoner_level is None else str(r.summoner_level),
            str(r.ranked_matches),
            "yes" if r.is_tracked else "",
            smurf,
            "yes" if r.is_banned else "",
            _when(r.updated_at),
        )
    output.console().print(output.fit(table))


def _detail(d: PlayerDetail) -> None:
    from riotjobs.cli import output

    p = d.player
    out = output.console()
    lines = [
        ("player", output.clean(p.riot_id or "-")),
        ("puuid", p.puuid),
        ("platform", p.platform),
        ("summoner level", "-" if p.summoner_level is None else str(p.summoner_level)),
        ("tracked", f"yes, since {_when(d.tracked_at)}" if p.is_tracked else "no"),
        ("matches stored", f"{d.total_matches} ({p.ranked_matches} ranked solo)"),
        ("last match", _when(d.last_match_at)),
        ("last update", _when(p.updated_at)),
        ("banned", f"yes, since {_when(d.banned_at)}" if p.is_banned else "no"),
        ("last ban check", _when(d.last_ban_check)),
    ]
    for label, value in lines:
        out.print(f"{label + ':':<16} {value}", markup=False, highlight=False)
    if d.ranks:
        ranks = output.table("recorded", "queue", "rank", "LP>", "W-L", title="Rank history")
        for r in d.ranks:
            tier = " ".join(x for x in (r["tier"], r["rank"]) if x) or "-"
            ranks.add_row(
                _when(r["recorded_at"]),
                r["queue_type"],
                tier,
                str(r["league_points"]),
                f"{r['wins']}-{r['losses']}",
            )
        out.print(ranks)
    else:
        out.print("rank history:   none", markup=False)
    a = d.analysis
    if a is None:
        out.print("analysis:       not analysed yet", markup=False)
        return
    verdict = "smurf" if a["is_smurf"] else "not flagged"
    if a["outdated"]:
        out.print(
            f"analysis:       made by analysis version {a['analysis_version']}, which predates "
            f"the current {a['current_version']}; re-analysis picks it up "
            "(reanalyze_per_run players per run)",
            markup=False,
            highlight=False,
        )
    scores = output.table(
        "score",
        "value>",
        "drove the verdict by>",
        title=f"Latest analysis ({_when(a['analyzed_at'])}, {a['sample_size']} matches, "
        f"version {a['analysis_version']}): {verdict}, confidence {a['confidence']:.2f}",
    )
    for c in a["contributions"]:
        scores.add_row(c["score"], f"{c['value']:.2f}", f"{c['contribution']:+.2f}")
    out.print(scores)
    if not a["outdated"]:
        out.print(
            "(contribution: log-odds added towards 'smurf'; 0 means no evidence)",
            markup=False,
            highlight=False,
        )

"""`riotjobs sandbox serve`: run the local Riot API look-alike in the foreground."""

from __future__ import annotations

import typer

from riotjobs.cli._app import app

sandbox_app = typer.Typer(
    help="A local Riot API look-alike with a synthetic league, for trying riotjobs without a key."
    "\n\nExample:  riotjobs sandbox serve --port 8089",
)
app.add_typer(sandbox_app, name="sandbox")

_ENDPOINT_HELP = (
    "Method limit for one endpoint, ENDPOINT=SPEC (repeatable). Endpoints and defaults: "
    "account=1000:60, summoner=1600:60, league=100:60, ids=2000:10, match=2000:10, "
    "status=20000:10. SPEC 'none' removes the limit."
)


@sandbox_app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8089, help="Port to listen on; 0 picks a free one."),
    seed: int = typer.Option(7, help="Seed of the synthetic league (same seed, same league)."),
    players: int = typer.Option(1000, help="Number of players in the league."),
    smurf_share: float = typer.Option(0.12, help="Share of players who are smurfs."),
    bursty_share: float = typer.Option(
        0.5, help="Share of the smurfs who dominate only in some sessions."
    ),
    veteran_share: float = typer.Option(
        0.08, help="Share of players who are strong old accounts on a long hot streak."
    ),
    new_account_share: float = typer.Option(
        0.15, help="Share of players who are honest new accounts (low level and rank)."
    ),
    duo_share: float = typer.Option(
        0.03, help="Share of players boosted by a smurf duo partner on their team."
    ),
    ban_share: float = typer.Option(0.3, help="Share of smurfs who get banned."),
    platforms: str = typer.Option("na1", help="Comma-separated platforms the league plays on."),
    start: float = typer.Option(
        None, help="Sandbox time at start, epoch seconds (default: now). Fix it to reproduce."
    ),
    clock_speed: float = typer.Option(1.0, help="Sandbox seconds per real second."),
    latency_ms: float = typer.Option(
        0.0, help="Latency of every response, counted from the request's arrival."
    ),
    slow_rate: float = typer.Option(0.0, help="Share of responses that stall for --slow-ms."),
    slow_ms: float = typer.Option(2000.0, help="Length of a stall."),
    app_limit: str = typer.Option(
        "20:1,100:120", help="Application limit per routing value; 'none' for no limit."
    ),
    method_limit: list[str] = typer.Option([], "--method-limit", help=_ENDPOINT_HELP),
    fault_rate: float = typer.Option(0.0, help="Share of requests answered 500/502/503/504."),
    service_429_rate: float = typer.Option(
        0.0, help="Share of requests answered with a service 429 (no Retry-After)."
    ),
    malformed_rate: float = typer.Option(
        0.0, help="Share of 200 answers with a truncated, non-JSON or wrongly typed body."
    ),
    expire_key_after: int = typer.Option(
        None, help="Answer 403 to every request after this many authenticated requests."
    ),
    api_key: str = typer.Option(
        "RGAPI-sandbox", help="The key the sandbox expects in X-Riot-Token."
    ),
) -> None:
    """Serve the sandbox until SIGINT/SIGTERM; exits 0 after a clean shutdown.

    The first line on stdout is the base URL template, e.g.
    RIOTJOBS_RIOT_BASE_URL=http://127.0.0.1:8089/{routing}; every routing value is served on
    the one port as the first path segment.

    Control endpoints (no key, not rate limited): GET /sandbox/truth, /sandbox/players?limit=N,
    /sandbox/stats, /sandbox/clock; POST /sandbox/advance {"seconds": N}, /sandbox/reset-stats.

    Example:  riotjobs sandbox serve --port 0 --app-limit none --fault-rate 0.05
    """
    from riotjobs.sandbox import SandboxConfig, serve_forever
    from riotjobs.sandbox.config import parse_method_limits

    config = SandboxConfig(
        seed=seed,
        players=players,
        smurf_share=smurf_share,
        bursty_share=bursty_share,
        veteran_share=veteran_share,
        new_account_share=new_account_share,
        duo_share=duo_share,
        ban_share=ban_share,
        platforms=tuple(p.strip().lower() for p in platforms.split(",") if p.strip()),
        start=start,
        clock_speed=clock_speed,
        latency_ms=latency_ms,
        slow_rate=slow_rate,
        slow_ms=slow_ms,
        app_limit=app_limit,
        method_limits=parse_method_limits(method_limit),
        fault_rate=fault_rate,
        service_429_rate=service_429_rate,
        malformed_rate=malformed_rate,
        expire_key_after=expire_key_after,
        api_key=api_key,
    )

    def announce(template: str) -> None:
        typer.echo(f"RIOTJOBS_RIOT_BASE_URL={template}")
        typer.echo(
            f"sandbox: seed {config.seed}, {config.players} players, start "
            f"{config.start_time:.0f}; Ctrl-C or SIGTERM stops it",
            err=True,
        )

    serve_forever(config, host=host, port=port, announce=announce)

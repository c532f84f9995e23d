"""Steps shared by the match-fetching tasks: fetch matches concurrently and store each one,
refresh a player's rank, and turn per-item Riot API errors into skipped items.

Every match is committed on its own (``riotjobs.ingest.ingest_match``) as soon as it arrives, so
a ``RateLimitBudgetExhausted`` or a kill mid-run keeps everything stored so far. The two errors
that must end the task or the job (``RateLimitBudgetExhausted``, ``InvalidKeyError``) are never
caught here; every other ``RiotAPIError`` (including a malformed body) skips its item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from riotjobs.riot.models import MatchDto
    from riotjobs.tasks.base import TaskContext, TaskOutcome

MAX_IDS_PER_REQUEST = 100  # match-v5 ids-by-puuid refuses a larger count


@dataclass
class Fetched:
    """What fetching one player's matches did."""

    stored: int = 0
    failed: int = 0


def is_item_error(exc: BaseException) -> bool:
    """True for Riot API errors that skip one item; False for those that stop the task/job."""
    from riotjobs.riot.errors import InvalidKeyError, RateLimitBudgetExhausted, RiotAPIError

    return isinstance(exc, RiotAPIError) and not isinstance(
        exc, InvalidKeyError | RateLimitBudgetExhausted
    )


def skip(ctx: TaskContext, outcome: TaskOutcome, what: str, exc: BaseException) -> None:
    """Log a per-item failure and mark the run partial."""
    message = f"{what}: {exc}"
    ctx.log.warning("skipped %s", message)
    outcome.item_failed(message)


def is_transient(exc: BaseException) -> bool:
    """A failure a later run may not see again (5xx or no connection after every retry)."""
    from riotjobs.riot.errors import RiotUnavailableError, ServerError

    return isinstance(exc, ServerError | RiotUnavailableError)


def fetch_matches(
    ctx: TaskContext,
    outcome: TaskOutcome,
    *,
    platform: str,
    match_ids: Sequence[str],
    in_order: bool = False,
) -> Fetched:
    """Fetch ``match_ids`` concurrently within the shared rate limiter and store each one in
    its own transaction.

    With ``in_order`` the matches are committed in list order (oldest first for the tracked
    updater) whatever order the responses arrive in, so the stored history is always a prefix
    of the list and the next run's ``startTime`` (the newest stored match) cannot jump over a
    match that was still in flight when the process died. A transient failure (5xx after every
    retry) ends the prefix: later matches are left for the next run, which asks again from the
    same point. A permanent one (404, malformed body) is skipped for good.
    """
    result = Fetched()
    if not match_ids:
        return result
    client = ctx.riot
    position = {match_id: i for i, match_id in enumerate(match_ids)}
    waiting: dict[int, MatchDto | None] = {}  # finished, not yet committed (None: skipped)
    cursor, stop = 0, len(match_ids)

    def fetch(match_id: str) -> MatchDto:
        return client.match(match_id, platform=platform)

    for match_id, got in client.gather(fetch, list(match_ids)):
        match: MatchDto | None = None
        if isinstance(got, BaseException):
            if not is_item_error(got):
                raise got
            skip(ctx, outcome, f"match {match_id}", got)
            result.failed += 1
            if in_order and is_transient(got):
                stop = min(stop, position[match_id])
        else:
            match = got
        if not in_order:
            if match is not None:
                _store(ctx, match, result)
            continue
        waiting[position[match_id]] = match
        while cursor < stop and cursor in waiting:
            ready = waiting.pop(cursor)
            if ready is not None:
                _store(ctx, ready, result)
            cursor += 1
    deferred = sum(1 for i, m in waiting.items() if i > stop and m is not None)
    if deferred:
        ctx.log.info("%d fetched matches after a failed one are left for the next run", deferred)
    return result


def _store(ctx: TaskContext, match: MatchDto, result: Fetched) -> None:
    from riotjobs.ingest import ingest_match

    with ctx.session() as session:
        stored = ingest_match(session=session, match=match)
    ctx.counters.add("matches_fetched")
    ctx.counters.add("records_created", stored.records_created)
    ctx.counters.add("players_discovered", stored.players_discovered)
    result.stored += 1


def refresh_rank(ctx: TaskContext, outcome: TaskOutcome, *, puuid: str, platform: str) -> None:
    """Fetch league entries and store a snapshot per queue whose rank changed. Commits."""
    from riotjobs.ingest import record_ranks

    try:
        entries = ctx.riot.league_entries_by_puuid(puuid, platform=platform)
    except Exception as exc:
        if not is_item_error(exc):
            raise
        skip(ctx, outcome, f"rank of {puuid}", exc)
        return
    with ctx.session() as session:
        written = record_ranks(session=session, puuid=puuid, entries=entries)
        session.commit()
    ctx.counters.add("records_created", written)


def finish_player(ctx: TaskContext, *, puuid: str, new_matches: bool) -> None:
    """Refresh the summoner level from the newest match and touch ``updated_at``. Commits."""
    from riotjobs.ingest import refresh_summoner_level, touch_player

    with ctx.session() as session:
        if new_matches:
            refresh_summoner_level(session=session, puuid=puuid)
        touch_player(session=session, puuid=puuid)
        session.commit()
    ctx.counters.add("records_updated")
    ctx.counters.add("players_processed")

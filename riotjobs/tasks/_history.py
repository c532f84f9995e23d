"""Steps shared by the match-fetching tasks: list a batch of players' match ids concurrently,
then fetch all their new matches and league entries as ONE concurrent batch, so the request
pool never drains at a player boundary.

Every match is committed as soon as it may be (the matches that one ready batch of responses lets
through share a transaction: ``riotjobs.pipeline.ingest.ingest_matches``), so a
``RateLimitBudgetExhausted`` or a kill mid-run keeps everything stored so far; a player is
finished (summoner level, ``updated_at``) as soon as its last item is in. A match several
players of the batch share is fetched and stored once. The two errors that must end the task
or the job (``RateLimitBudgetExhausted``, ``InvalidKeyError``) are never caught here; every
other ``RiotAPIError`` (including a malformed body) skips its item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from riotjobs.riot import routing

if TYPE_CHECKING:
    from riotjobs.riot.models import LeagueEntry, MatchDto
    from riotjobs.tasks.base import TaskContext, TaskOutcome

MAX_IDS_PER_REQUEST = 100  # match-v5 ids-by-puuid refuses a larger count
# Pages of ids a listing from a sync point may take: 1,000 matches is months of play, and it
# bounds the requests a player who was away a long time can cost in one run.
MAX_ID_PAGES = 10


@dataclass(frozen=True)
class IdsQuery:
    """One player's ranked-solo match-id request."""

    puuid: str
    platform: str
    count: int
    start_time: int | None = None  # epoch seconds
    # Without a start_time: page back until this id is listed, and list nothing older.
    floor: str | None = None


@dataclass(eq=False)
class Plan:
    """One player's share of a batch: the matches to fetch, in commit order."""

    puuid: str
    platform: str
    match_ids: list[str]
    # The tracked updater's listing, newest first as the API returns it: finishing the player
    # moves ``players.matches_synced_until`` over its contiguous stored prefix (oldest first).
    sync_ids: tuple[str, ...] = ()
    stored: int = 0  # matches of this player committed by the batch
    cursor: int = 0  # in order: match_ids[:cursor] are committed or skipped for good
    stop: int = 0  # in order: a transient failure here; nothing from it on is committed
    outstanding: int = 0  # items (matches, league) not yet answered
    finished: bool = False

    def __post_init__(self) -> None:
        self.stop = len(self.match_ids)


@dataclass(eq=False)
class _Match:
    """A match id of the batch and the plans (with positions) that want it."""

    match_id: str
    platform: str
    owners: list[tuple[Plan, int]] = field(default_factory=list)
    arrived: bool = False
    doc: MatchDto | None = None  # None once arrived: failed or not requested
    stored: bool = False


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


def list_match_ids(
    ctx: TaskContext, outcome: TaskOutcome, queries: Sequence[IdsQuery]
) -> dict[str, list[str]]:
    """The ranked-solo match ids (newest first) of every queried player, listed concurrently.
    A player whose request fails with a per-item error is skipped and left out.

    A listing from a ``start_time`` pages on (``start`` = ids so far) until a short page: the
    API returns the newest ids first, so one page would hide the oldest matches of a backlog
    larger than a page, and the caller takes the oldest first. Without a ``start_time`` only
    the first page is wanted (the newest ``count``), unless the query has a ``floor``: then it
    pages on until the floor id is listed and drops anything older than it. (Both stop after
    ``MAX_ID_PAGES``.)"""
    from riotjobs.pipeline.ingest import RANKED_SOLO_QUEUE_ID

    if not queries:
        return {}
    client = ctx.riot

    def fetch(query: IdsQuery) -> list[str]:
        ids: dict[str, None] = {}  # ordered; a match finishing between pages shifts one id over
        floor = query.floor if query.start_time is None else None
        for _ in range(MAX_ID_PAGES):
            page = client.match_ids_by_puuid(
                query.puuid,
                platform=query.platform,
                start_time=query.start_time,
                queue=RANKED_SOLO_QUEUE_ID,
                start=len(ids),
                count=query.count,
            )
            ids.update(dict.fromkeys(page))
            if len(page) < query.count:
                break
            if query.start_time is None and (floor is None or floor in ids):
                break
        listed = list(ids)
        return listed[: listed.index(floor) + 1] if floor in ids else listed

    def lane(query: IdsQuery) -> str:
        return routing.MATCH_IDS_BY_PUUID.budget_of(query.platform)

    found: dict[str, list[str]] = {}
    for query, got in client.gather(fetch, list(queries), lane=lane):
        if isinstance(got, BaseException):
            skip(ctx, outcome, f"match ids of {query.puuid}", got)
        else:
            found[query.puuid] = got
    return found


def fetch_batch(
    ctx: TaskContext,
    outcome: TaskOutcome,
    plans: Sequence[Plan],
    *,
    in_order: bool,
    ranks: bool,
) -> None:
    """Fetch every plan's matches (and, with ``ranks``, its league entries) in one concurrent
    batch; store the matches each batch of ready responses lets through in one transaction;
    finish each player once its items are in.

    Items are queued player by player, so players finish (and commit) roughly in turn while the
    pool stays full across their boundaries; each player's league request leads its matches and,
    on the platform routing's separate budget, overlaps with the match requests.

    With ``in_order`` each player's matches are committed in list order (oldest first for the
    tracked updater) whatever order the responses arrive in, so what a killed process leaves
    stored is a prefix of each list. A match shared by several plans is committed only when it
    is next in every one of them. A transient failure (5xx after every retry) ends the prefix:
    the player's later matches are left for the next run (and not requested if not yet
    started). A permanent one (404, malformed body) is skipped for good.

    Correctness does not rest on that order: the sync point moves only over the stored,
    oldest-first run of the player's own listing (``sync.advance_sync_point``), so a match
    stored early, for another player or by another job, never lets the next ``startTime`` jump
    over an unstored one. That is also why a player's match is stored even when another player
    of the batch listed it beyond its own cap: holding it back would leave a never-synced player
    with nothing stored, and its next listing (the newest 100 again) would drop the oldest
    matches of the window its first listing opened.
    """
    from riotjobs.riot.models import MatchDto

    matches: dict[str, _Match] = {}
    items: list[tuple[Plan, _Match | None]] = []  # (plan, None) is the plan's league request
    for plan in plans:
        # The league request goes first: it is on the platform's budget, not the region's, so
        # queued behind the player's matches it would wait for them and, for the last player,
        # add a round trip after the last match.
        if ranks:
            items.append((plan, None))
        for position, match_id in enumerate(plan.match_ids):
            entry = matches.get(match_id)
            if entry is None:
                entry = matches[match_id] = _Match(match_id, plan.platform)
                items.append((plan, entry))
            entry.owners.append((plan, position))
        plan.outstanding = len(plan.match_ids) + int(ranks)
    for plan in plans:
        if not plan.outstanding:
            _finish(ctx, plan)
    if not items:
        return
    client = ctx.riot

    def fetch(item: tuple[Plan, _Match | None]) -> MatchDto | list[LeagueEntry] | None:
        plan, entry = item
        if entry is None:
            return client.league_entries_by_puuid(plan.puuid, platform=plan.platform)
        if in_order and all(position >= owner.stop for owner, position in entry.owners):
            return None  # every owner stopped at an earlier transient failure: save the request
        return client.match(entry.match_id, platform=entry.platform)

    def lane(item: tuple[Plan, _Match | None]) -> str:
        plan, entry = item
        if entry is None:
            return routing.LEAGUE_ENTRIES_BY_PUUID.budget_of(plan.platform)
        return routing.MATCH_BY_ID.budget_of(entry.platform)

    # Results are handled as they come, a ready batch at a time: the matches a batch lets
    # through are committed together (one transaction), then the players it completed finish.
    # Each routing value is a lane of its own: its budget never waits on another region's.
    for ready in client.gather_ready(fetch, items, lane=lane):
        due: list[_Match] = []
        touched: list[Plan] = []
        for (plan, entry), got in ready:
            if entry is None:
                _record_ranks(ctx, outcome, plan, got)
                plan.outstanding -= 1
                touched.append(plan)
                continue
            entry.arrived = True
            if isinstance(got, BaseException):
                skip(ctx, outcome, f"match {entry.match_id}", got)
                if in_order and is_transient(got):
                    for owner, position in entry.owners:
                        owner.stop = min(owner.stop, position)
            elif isinstance(got, MatchDto):
                entry.doc = got
            owners = [owner for owner, _ in entry.owners]
            for owner in owners:
                owner.outstanding -= 1
            if in_order:
                owners = _advance(matches, owners, due)
            elif entry.doc is not None:
                _mark_stored(entry, due)
            touched += owners
        _store(ctx, due)
        for owner in dict.fromkeys(touched):
            done = not in_order or owner.cursor >= owner.stop
            if done and not owner.outstanding and not owner.finished:
                _finish(ctx, owner)
    # Players held back by a shared match another player could not commit: finish them too.
    for plan in plans:
        if not plan.finished and not plan.outstanding:
            _finish(ctx, plan)
        if in_order and plan.cursor < len(plan.match_ids):
            left = len(plan.match_ids) - plan.cursor
            ctx.log.info("%s: %d matches are left for the next run", plan.puuid, left)


def _advance(matches: dict[str, _Match], plans: list[Plan], due: list[_Match]) -> list[Plan]:
    """Move ``plans`` (and any plan that frees) past whatever is now next in line for them,
    adding the matches to commit to ``due``. Returns every plan that was looked at."""
    todo = list(plans)
    seen = list(plans)
    while todo:
        plan = todo.pop()
        while plan.cursor < plan.stop:
            entry = matches[plan.match_ids[plan.cursor]]
            if not entry.arrived:
                break
            if entry.doc is not None and not entry.stored:
                if any(owner.cursor != position for owner, position in entry.owners):
                    break  # another player has older matches to commit first
                _mark_stored(entry, due)
                # The other owners now stand past it too.
                for owner, _ in entry.owners:
                    if owner is not plan:
                        owner.cursor += 1
                        todo.append(owner)
                        seen.append(owner)
            plan.cursor += 1
    return list(dict.fromkeys(seen))


def _mark_stored(entry: _Match, due: list[_Match]) -> None:
    """Count ``entry`` as stored by its owners; ``_store`` commits it before any finishes."""
    entry.stored = True
    due.append(entry)
    for owner, _ in entry.owners:
        owner.stored += 1


def _store(ctx: TaskContext, due: list[_Match]) -> None:
    """Commit the matches of one ready batch, in one transaction."""
    from riotjobs.pipeline.ingest import ingest_matches

    if not due:
        return
    with ctx.session() as session:
        results = ingest_matches(session=session, matches=[e.doc for e in due if e.doc])
    for entry in due:
        entry.doc = None  # a long batch need not keep every document in memory
    ctx.counters.add("matches_fetched", len(results))
    ctx.counters.add("records_created", sum(r.records_created for r in results))
    ctx.counters.add("players_discovered", sum(r.players_discovered for r in results))


def _record_ranks(
    ctx: TaskContext,
    outcome: TaskOutcome,
    plan: Plan,
    got: MatchDto | list[LeagueEntry] | BaseException | None,
) -> None:
    """Store a snapshot per queue whose rank changed. Commits."""
    from riotjobs.pipeline.ingest import record_ranks

    if isinstance(got, BaseException):
        skip(ctx, outcome, f"rank of {plan.puuid}", got)
        return
    if not isinstance(got, list):
        return
    with ctx.session() as session:
        written = record_ranks(session=session, puuid=plan.puuid, entries=got)
        session.commit()
    ctx.counters.add("records_created", written)


def _finish(ctx: TaskContext, plan: Plan) -> None:
    """Refresh the summoner level from the newest match, advance the sync point and touch
    ``updated_at``. Commits."""
    from riotjobs.pipeline.ingest import refresh_summoner_level
    from riotjobs.pipeline.sync import advance_sync_point, touch_player

    plan.finished = True
    with ctx.session() as session:
        if plan.stored:
            refresh_summoner_level(session=session, puuid=plan.puuid)
        if plan.sync_ids:
            advance_sync_point(session=session, puuid=plan.puuid, listed=plan.sync_ids)
        touch_player(session=session, puuid=plan.puuid)
        session.commit()
    ctx.counters.add("records_updated")
    ctx.counters.add("players_processed")
    ctx.progress.advance()
    ctx.log.debug("%s: %d matches stored", plan.puuid, plan.stored)

"""The league's schedule: who played whom, when, and who won.

Model (the README and the sandbox report describe it in prose):

* Time is cut into five-minute slots. The history starts ``HISTORY_DAYS`` before ``start``
  and grows as the sandbox clock runs. Slots are simulated in order, lazily, and cached.
* Each slot, per platform, a Poisson-like number of lobbies forms (sized so a player averages
  ``games_per_day``). A lobby picks a random spot on the ladder (players sorted by visible
  rating, re-sorted daily) and draws its members from the players around it, accepting each
  with probability ``games_per_day / 8`` and skipping anyone already in a game. So lobbies
  hold players of similar *visible* rank; a smurf's hidden skill is far above theirs.
* Queue mix: 86 % ranked solo (420, 10 players, roles TOP..UTILITY by preference), 10 % ARAM
  (450), 4 % Arena (1700, 16 players in 8 pairs).
* Outcome (computed on demand from the match's own seed): each participant's performance is
  ``skill + N(0, 230) + streak boost - off-role penalty``. The boost is 450 during a hot
  streak (550-800 for veterans); the penalty 180 for normal players, 50 for smurfs. A bursty
  smurf outside a trying session plays at their visible rating instead of their skill. A
  premade duo (a boosted account and its booster) is picked into the same lobby with the
  pair's ``duo_rate`` and put on the same team. Team 100 wins with
  ``sigmoid((mean_100 - mean_200) / 110)``. Arena places pairs by performance plus noise;
  places 1-4 win. ``rel`` = (performance - lobby mean) / 400
  drives the per-player stats in ``matches``.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from random import Random

from riotjobs.sandbox.config import HISTORY_DAYS, SLOT_SECONDS, SandboxConfig
from riotjobs.sandbox.players import (
    DAY,
    GAMES_PER_LEVEL,
    MAX_GAMES_PER_DAY,
    ROLES,
    Player,
    make_players,
)

RANKED, ARAM, ARENA = 420, 450, 1700
RANKED_TYPES = {RANKED: "ranked", ARAM: "normal", ARENA: "normal"}
FORM_SD = 230.0
STREAK_BOOST = 450.0
TEAM_SCALE = 110.0
REL_SCALE = 400.0
_SLOTS_PER_DAY = int(DAY) // SLOT_SECONDS


@dataclass(frozen=True, slots=True)
class Lobby:
    """One game's roster. Participant order is Riot's: team 100 TOP..UTILITY, then team 200."""

    match_id: str
    game_id: int
    platform: str
    queue: int
    start: float
    duration: int
    players: tuple[int, ...]
    positions: tuple[str, ...]  # "" outside ranked
    teams: tuple[int, ...]  # 100/200; Arena: subteam 1..8

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass(frozen=True, slots=True)
class Outcome:
    power: tuple[float, ...]
    rel: tuple[float, ...]
    win: tuple[bool, ...]
    placement: tuple[int, ...]  # Arena subteam placement, else 0


class League:
    """Players plus the lazily simulated schedule. Not thread-safe: one event loop owns it."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.seed = config.seed
        self.start = config.start_time
        self.history_start = self.start - HISTORY_DAYS * DAY
        self.players: list[Player] = make_players(
            seed=config.seed,
            count=config.players,
            mix=config.mix(),
            ban_share=config.ban_share,
            platforms=config.platforms,
            start=self.start,
            history_days=HISTORY_DAYS,
        )
        self.by_puuid = {p.puuid: p for p in self.players}
        self.by_riot_id = {(p.game_name.lower(), p.tag_line.lower()): p for p in self.players}
        self.matches: dict[str, Lobby] = {}
        self.history: list[list[Lobby]] = [[] for _ in self.players]
        self._starts: list[list[float]] = [[] for _ in self.players]
        self._busy = [0.0] * len(self.players)
        self._ladders: dict[tuple[str, int], tuple[list[int], float]] = {}
        self._outcomes: dict[str, Outcome] = {}
        self._next_slot = int(self.history_start) // SLOT_SECONDS
        self.simulate_until(self.start)

    # -- schedule ---------------------------------------------------------------------------
    def simulate_until(self, now: float) -> None:
        """Play every slot that has started by ``now`` (cheap when already done)."""
        last = int(now) // SLOT_SECONDS
        while self._next_slot <= last:
            self._play_slot(self._next_slot)
            self._next_slot += 1

    def _ladder(self, platform: str, day: int) -> tuple[list[int], float]:
        key = (platform, day)
        if key not in self._ladders:
            t0, mid = day * DAY, day * DAY + DAY / 2
            alive = [
                p
                for p in self.players
                if p.platform == platform
                and p.created_at < t0 + DAY
                and not (p.banned_at is not None and p.banned_at < t0)
            ]
            alive.sort(key=lambda p: p.rating(mid))
            # Lobbies per slot so that players average their games_per_day (lobby ~10.24).
            rate = sum(p.games_per_day for p in alive) / 10.24 / _SLOTS_PER_DAY
            self._ladders[key] = ([p.index for p in alive], rate)
            self._ladders.pop((platform, day - 2), None)
        return self._ladders[key]

    def _play_slot(self, slot: int) -> None:
        t0 = slot * SLOT_SECONDS
        rng = Random(f"{self.seed}:slot:{slot}")
        lobbies: list[Lobby] = []
        for platform in self.config.platforms:
            ladder, rate = self._ladder(platform, int(t0 // DAY))
            count = int(rate) + (1 if rng.random() < rate - int(rate) else 0)
            used: set[int] = set()
            for number in range(count):
                roll = rng.random()
                queue = RANKED if roll < 0.86 else ARAM if roll < 0.96 else ARENA
                begin = t0 + rng.uniform(0, SLOT_SECONDS - 1)
                picks = self._pick(rng, ladder, 16 if queue == ARENA else 10, used, begin)
                if picks is not None:
                    lobbies.append(self._lobby(rng, slot, number, platform, queue, begin, picks))
        lobbies.sort(key=lambda lobby: lobby.start)
        for lobby in lobbies:
            self.matches[lobby.match_id] = lobby
            for index in lobby.players:
                self.history[index].append(lobby)
                self._starts[index].append(lobby.start)
                self._busy[index] = lobby.end + 60

    def _pick(
        self, rng: Random, ladder: list[int], size: int, used: set[int], begin: float
    ) -> list[int] | None:
        if len(ladder) < size:
            return None
        width = max(12, len(ladder) // 30)
        anchor = rng.randrange(len(ladder))
        lo, hi = max(0, anchor - width), min(len(ladder), anchor + width)
        picks: list[int] = []
        for _ in range(size * 8):
            index = ladder[rng.randrange(lo, hi)]
            player = self.players[index]
            if (
                index in used
                or self._busy[index] > begin
                or player.created_at > begin
                or player.banned(begin)
                or rng.random() * MAX_GAMES_PER_DAY > player.games_per_day
            ):
                continue
            used.add(index)
            picks.append(index)
            mate = player.partner
            if (
                mate is not None
                and len(picks) < size
                and rng.random() < player.duo_rate
                and self._free(mate, used, begin)
            ):  # a premade duo queues together
                used.add(mate)
                picks.append(mate)
            if len(picks) == size:
                return picks
        used.difference_update(picks)
        return None

    def _free(self, index: int, used: set[int], begin: float) -> bool:
        player = self.players[index]
        return not (
            index in used
            or self._busy[index] > begin
            or player.created_at > begin
            or player.banned(begin)
        )

    def _lobby(
        self,
        rng: Random,
        slot: int,
        number: int,
        platform: str,
        queue: int,
        begin: float,
        picks: list[int],
    ) -> Lobby:
        game_id = (self.seed % 9 + 1) * 1_000_000_000 + slot * 64 + number
        ranked = sorted(picks, key=lambda i: -self.players[i].rating(begin))
        if queue == ARENA:
            rng.shuffle(ranked)
            players = tuple(ranked)
            teams = tuple(1 + i // 2 for i in range(16))
            positions: tuple[str, ...] = ("",) * 16
            duration = int(min(2400, max(900, rng.gauss(1500, 250))))
        else:
            snake = (0, 1, 1, 0, 0, 1, 1, 0, 0, 1)
            sides: list[list[int]] = [[], []]
            for i, index in enumerate(ranked):
                sides[snake[i]].append(index)
            self._keep_duos_together(begin, sides)
            if queue == RANKED:
                sides = [self._assign_roles(rng, side) for side in sides]
                positions = ROLES * 2
                duration = int(min(2900, max(900, rng.gauss(1750, 330))))
            else:
                positions = ("",) * 10
                duration = int(min(1800, max(700, rng.gauss(1150, 200))))
            players = tuple(sides[0] + sides[1])
            teams = (100,) * 5 + (200,) * 5
        return Lobby(
            match_id=f"{platform.upper()}_{game_id}",
            game_id=game_id,
            platform=platform,
            queue=queue,
            start=begin,
            duration=duration,
            players=players,
            positions=positions,
            teams=teams,
        )

    def _keep_duos_together(self, begin: float, sides: list[list[int]]) -> None:
        """Premade duos play on one team. Lobbies without one keep the snake draft; otherwise
        pairs, strongest first, then single players go to the side with room and the lower
        total rating."""
        members = set(sides[0] + sides[1])
        pairs = {
            frozenset((i, mate))
            for i in members
            if (mate := self.players[i].partner) is not None and mate in members
        }
        if not pairs:
            return
        units = [sorted(pair) for pair in pairs]
        units += [[i] for i in members if not any(i in pair for pair in pairs)]
        units.sort(key=lambda u: (-max(self.players[i].rating(begin) for i in u), u))
        units.sort(key=lambda u: -len(u))  # pairs first so they always fit
        new: list[list[int]] = [[], []]
        total = [0.0, 0.0]
        if len(pairs) == 5:  # five duos cannot be kept together: split the last one
            units = [*units[:4], units[4][:1], units[4][1:]]
        for unit in units:
            room = [side for side in (0, 1) if len(new[side]) + len(unit) <= 5]
            side = min(room, key=lambda s: (total[s], s))
            new[side].extend(unit)
            total[side] += sum(self.players[i].rating(begin) for i in unit)
        sides[0], sides[1] = new

    def _assign_roles(self, rng: Random, side: list[int]) -> list[int]:
        """Order five players TOP..UTILITY: preferences first (random priority), then fill."""
        order = side[:]
        rng.shuffle(order)
        seat: dict[str, int] = {}
        rest: list[int] = []
        for index in order:
            role = self.players[index].role
            if role in seat:
                rest.append(index)
            else:
                seat[role] = index
        for role in ROLES:
            if role not in seat:
                seat[role] = rest.pop()
        return [seat[role] for role in ROLES]

    # -- outcomes ---------------------------------------------------------------------------
    def outcome(self, lobby: Lobby) -> Outcome:
        cached = self._outcomes.get(lobby.match_id)
        if cached is None:
            cached = self._outcomes[lobby.match_id] = self._play(lobby)
        return cached

    def _play(self, lobby: Lobby) -> Outcome:
        rng = Random(f"{self.seed}:outcome:{lobby.match_id}")
        power: list[float] = []
        for index, position in zip(lobby.players, lobby.positions, strict=True):
            player = self.players[index]
            trying = player.smurf and player.trying(lobby.start)
            value = (
                player.power(lobby.start)
                + rng.gauss(0, FORM_SD)
                + player.streak_boost * player.streak(lobby.start)
            )
            if position and position != player.role:
                value -= 50.0 if trying else 180.0
            power.append(value)
        mean = sum(power) / len(power)
        rel = tuple((p - mean) / REL_SCALE for p in power)
        n = len(power)
        if lobby.queue == ARENA:
            pairs = sorted(
                range(1, 9),
                key=lambda team: (
                    -(
                        sum(p for p, t in zip(power, lobby.teams, strict=True) if t == team)
                        + rng.gauss(0, 250)
                    )
                ),
            )
            place = {team: i + 1 for i, team in enumerate(pairs)}
            placement = tuple(place[t] for t in lobby.teams)
            return Outcome(tuple(power), rel, tuple(p <= 4 for p in placement), placement)
        blue = sum(power[:5]) / 5 - sum(power[5:]) / 5
        blue_wins = rng.random() < 1 / (1 + math.exp(-blue / TEAM_SCALE))
        win = tuple(blue_wins if i < 5 else not blue_wins for i in range(n))
        return Outcome(tuple(power), rel, win, (0,) * n)

    # -- queries ----------------------------------------------------------------------------
    def visible(self, player: Player, now: float) -> list[Lobby]:
        """The player's finished games at ``now``, oldest first."""
        self.simulate_until(now)
        games = self.history[player.index]
        cut = bisect_right(self._starts[player.index], now)
        return [lobby for lobby in games[:cut] if lobby.end <= now]

    def games_before(self, player: Player, t: float) -> int:
        return bisect_right(self._starts[player.index], t)

    def level(self, player: Player, t: float) -> int:
        return player.level0 + self.games_before(player, t) // GAMES_PER_LEVEL

    def record(self, player: Player, now: float) -> tuple[int, int, list[bool]]:
        """Season (wins, losses, recent ranked results oldest first) at ``now``."""
        results = [
            self.outcome(lobby).win[lobby.players.index(player.index)]
            for lobby in self.visible(player, now)
            if lobby.queue == RANKED
        ]
        wins = player.prior_wins + sum(results)
        return wins, player.prior_losses + len(results) - sum(results), results

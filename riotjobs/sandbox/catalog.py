"""Game constants the generated matches draw from: champions per role, items, spells, runes,
and per-role baselines of an average player's per-minute stats."""

from __future__ import annotations

from typing import NamedTuple

CHAMPIONS: dict[str, tuple[tuple[int, str], ...]] = {
    "TOP": ((266, "Aatrox"), (122, "Darius"), (86, "Garen"), (24, "Jax"), (92, "Riven"),
            (58, "Renekton"), (54, "Malphite"), (14, "Sion")),
    "JUNGLE": ((64, "LeeSin"), (104, "Graves"), (121, "Khazix"), (254, "Vi"), (20, "Nunu"),
               (59, "JarvanIV"), (876, "Lillia"), (234, "Viego")),
    "MIDDLE": ((103, "Ahri"), (238, "Zed"), (7, "Leblanc"), (61, "Orianna"), (157, "Yasuo"),
               (134, "Syndra"), (1, "Annie"), (112, "Viktor")),
    "BOTTOM": ((222, "Jinx"), (51, "Caitlyn"), (81, "Ezreal"), (202, "Jhin"),
               (21, "MissFortune"), (145, "Kaisa"), (22, "Ashe"), (236, "Lucian")),
    "UTILITY": ((412, "Thresh"), (89, "Leona"), (117, "Lulu"), (25, "Morgana"),
                (53, "Blitzcrank"), (267, "Nami"), (350, "Yuumi"), (40, "Janna")),
}  # fmt: skip
ALL_CHAMPIONS = tuple(c for pool in CHAMPIONS.values() for c in pool)

ITEMS: dict[str, tuple[int, ...]] = {
    "TOP": (3071, 3053, 6333, 3047, 3065, 3742, 6610),
    "JUNGLE": (3071, 6692, 3047, 3111, 3156, 6333, 3142),
    "MIDDLE": (3157, 3089, 6653, 3020, 3135, 4645, 3165),
    "BOTTOM": (3031, 6672, 3006, 3094, 3036, 3046, 6675),
    "UTILITY": (3190, 3107, 2065, 3158, 3504, 6617, 3222),
}
TRINKETS = (3340, 3364, 3363)
SPELLS = {"TOP": (4, 12), "JUNGLE": (4, 11), "MIDDLE": (4, 14), "BOTTOM": (4, 7), "UTILITY": (4, 3)}
ARAM_SPELLS = (4, 32)
LANES = {"TOP": "TOP", "JUNGLE": "JUNGLE", "MIDDLE": "MIDDLE", "BOTTOM": "BOTTOM",
         "UTILITY": "BOTTOM"}  # fmt: skip
LANE_ROLES = {"TOP": "SOLO", "JUNGLE": "NONE", "MIDDLE": "SOLO", "BOTTOM": "CARRY",
              "UTILITY": "SUPPORT"}  # fmt: skip

# Rune trees: style id -> (keystones, other perks).
RUNES: dict[int, tuple[tuple[int, ...], tuple[int, ...]]] = {
    8000: ((8005, 8008, 8010, 8021), (9111, 8009, 9104, 8014, 8017, 8299)),
    8100: ((8112, 8128, 9923), (8126, 8139, 8143, 8137, 8140, 8135)),
    8200: ((8214, 8229, 8230), (8226, 8275, 8210, 8233, 8237, 8232)),
    8300: ((8351, 8360, 8369), (8306, 8304, 8313, 8321, 8316, 8347)),
    8400: ((8437, 8439, 8465), (8446, 8463, 8401, 8429, 8444, 8451)),
}
STAT_PERKS = ((5005, 5008, 5007), (5008, 5010, 5001), (5011, 5001, 5013))
ARENA_AUGMENTS = tuple(range(1, 200))


class Baseline(NamedTuple):
    """An average player's per-minute output in a role."""

    kills: float
    cs: float
    jungle_share: float  # share of cs from neutral monsters
    damage: float
    gold: float
    vision: float
    kill_participation: float
    death_weight: float


BASELINES: dict[str, Baseline] = {
    "TOP": Baseline(0.19, 6.6, 0.03, 640, 385, 0.75, 0.42, 1.0),
    "JUNGLE": Baseline(0.21, 5.4, 0.85, 480, 370, 1.05, 0.58, 0.95),
    "MIDDLE": Baseline(0.24, 7.1, 0.04, 760, 405, 0.75, 0.52, 1.0),
    "BOTTOM": Baseline(0.25, 7.6, 0.03, 820, 425, 0.65, 0.55, 1.05),
    "UTILITY": Baseline(0.07, 1.2, 0.0, 380, 265, 2.3, 0.62, 1.0),
    "ARAM": Baseline(0.48, 2.4, 0.0, 1400, 520, 0.12, 0.62, 1.0),
    "ARENA": Baseline(0.55, 0.0, 0.0, 1700, 600, 0.0, 0.70, 1.0),
}

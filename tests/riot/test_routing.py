"""Platform → region routing, checked against the routing table and the known odd cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riotjobs.riot import routing
from riotjobs.settings import PLATFORMS


def test_matches_the_routes_table(riot_examples: Path) -> None:
    table = json.loads((riot_examples / "routesTable.json").read_text())
    expected = {name: p["regionalRoute"] for name, p in table["platform"].items()}
    assert expected == routing.PLATFORM_REGION


def test_every_configurable_platform_routes() -> None:
    assert set(PLATFORMS) <= set(routing.PLATFORM_REGION)


@pytest.mark.parametrize(
    ("platform", "region", "account"),
    [
        ("na1", "americas", "americas"),
        ("br1", "americas", "americas"),
        ("euw1", "europe", "europe"),
        ("me1", "europe", "europe"),
        ("kr", "asia", "asia"),
        ("oc1", "sea", "asia"),
        ("sg2", "sea", "asia"),
        ("tw2", "sea", "asia"),
        ("vn2", "sea", "asia"),
        ("ph2", "sea", "asia"),
        ("th2", "sea", "asia"),
    ],
)
def test_regions(platform: str, region: str, account: str) -> None:
    assert routing.region_for(platform) == region
    assert routing.MATCH_BY_ID.routing_value(platform) == region
    assert routing.ACCOUNT_BY_RIOT_ID.routing_value(platform) == account
    assert routing.account_region(platform) in routing.ACCOUNT_REGIONS
    assert routing.SUMMONER_BY_PUUID.routing_value(platform.upper()) == platform


def test_unknown_platform_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown platform"):
        routing.region_for("xx9")


def test_path_parameters_are_quoted() -> None:
    path = routing.ACCOUNT_BY_RIOT_ID.url_path(gameName="a/b c#", tagLine="é1")
    assert path == "/riot/account/v1/accounts/by-riot-id/a%2Fb%20c%23/%C3%A91"
    assert routing.base_url("http://x/{routing}/", "sea") == "http://x/sea"

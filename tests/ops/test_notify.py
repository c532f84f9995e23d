"""Message bodies per format, URL masking and secret scrubbing."""

from __future__ import annotations

from riotjobs.ops.notify import mask_url, render, scrub, webhook_url
from riotjobs.settings import Settings

DOC = {"event": "alert", "job": "j", "execution_id": 7, "text": "riotjobs ALERT: x" * 200}


def test_slack_discord_and_generic_bodies() -> None:
    assert render("slack", DOC) == {"text": DOC["text"]}
    discord = render("discord", DOC)
    assert list(discord) == ["content"] and len(discord["content"]) == 2000
    generic = render("generic", DOC)
    assert generic["event"] == "alert" and generic["execution_id"] == 7
    # Slack reads `text`, Discord `content`: the generic body is accepted by both.
    assert generic["text"] == DOC["text"] and generic["content"] == DOC["text"][:2000]


def test_mask_url_keeps_scheme_and_host_only() -> None:
    url = "https://user:pw@hooks.slack.com:443/services/T000/B000/XXXX?token=abc"
    assert mask_url(url) == "https://hooks.slack.com"
    assert mask_url("not a url") == "(invalid URL)"


def test_scrub_removes_webhook_url_and_api_key() -> None:
    url = "https://discord.com/api/webhooks/123/s3cr3t"
    settings = Settings(alert_webhook_url=url, RIOT_API_KEY="RGAPI-k3y")
    cleaned = scrub(f"POST {url} failed; key RGAPI-k3y", settings)
    assert "s3cr3t" not in cleaned and "RGAPI-k3y" not in cleaned
    assert "https://discord.com" in cleaned


def test_empty_webhook_setting_means_none() -> None:
    assert webhook_url(Settings(alert_webhook_url="  ")) is None
    assert webhook_url(Settings()) is None

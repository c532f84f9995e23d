"""`riotjobs export k8s`: the manifests parse and carry every field the issue asks for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from riotjobs.config import load_jobs
from riotjobs.schedule.k8s import ExportOptions, manifests, resource_name, starting_deadline
from riotjobs.tasks.registry import REGISTRY
from tests.helpers import run_riotjobs

JOBS = """
defaults:
  timeout: 120
jobs:
  tracked_player_updater:
    schedule: "*/2 * * * *"
    tasks: [sleep]
  nightly:
    schedule: "0 3 * * *"
    timeout: 600
    tasks: [sleep]
  parked:
    schedule: "0 * * * *"
    enabled: false
    tasks: [sleep]
"""


def _docs(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d is not None]


def test_manifests_have_every_field(jobs_file: Any) -> None:
    jobs = load_jobs(Path(jobs_file(JOBS)), registry=REGISTRY)
    opts = ExportOptions(image="ghcr.io/acme/riotjobs:1.4", namespace="lol", secret="rj-secrets")
    docs = _docs(manifests(jobs=jobs, enabled={}, opts=opts))
    config_map, *cronjobs = docs
    assert config_map["kind"] == "ConfigMap"
    assert "tracked_player_updater" in config_map["data"]["jobs.yaml"]
    assert [d["metadata"]["name"] for d in cronjobs] == [
        "riotjobs-nightly",
        "riotjobs-tracked-player-updater",
    ]  # the disabled job is left out
    by_job = {d["metadata"]["labels"]["riotjobs/job"]: d for d in cronjobs}
    cj = by_job["tracked-player-updater"]
    assert cj["apiVersion"] == "batch/v1" and cj["kind"] == "CronJob"
    assert cj["metadata"]["namespace"] == "lol"
    spec = cj["spec"]
    assert spec["schedule"] == "*/2 * * * *"
    assert spec["timeZone"] == "Etc/UTC"
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["startingDeadlineSeconds"] == 60
    assert spec["successfulJobsHistoryLimit"] == 3
    assert spec["failedJobsHistoryLimit"] == 5
    job_spec = spec["jobTemplate"]["spec"]
    assert job_spec["activeDeadlineSeconds"] == 120 + 60
    assert by_job["nightly"]["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] == 660
    pod = job_spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    (container,) = pod["containers"]
    assert container["image"] == "ghcr.io/acme/riotjobs:1.4"
    assert container["command"] == [
        "riotjobs", "run", "tracked_player_updater", "--trigger", "cron",
    ]  # fmt: skip
    env = {e["name"]: e for e in container["env"]}
    for var in ("RIOT_API_KEY", "RIOTJOBS_DATABASE_URL"):
        assert env[var]["valueFrom"]["secretKeyRef"] == {"name": "rj-secrets", "key": var}
        assert "value" not in env[var]
    assert env["RIOTJOBS_CONFIG"]["value"] == "/etc/riotjobs/jobs.yaml"
    assert pod["volumes"][0]["configMap"]["name"] == config_map["metadata"]["name"]


def test_database_state_decides_enabled(jobs_file: Any) -> None:
    jobs = load_jobs(Path(jobs_file(JOBS)), registry=REGISTRY)
    enabled = {"tracked_player_updater": False, "nightly": True, "parked": True}
    docs = _docs(manifests(jobs=jobs, enabled=enabled, opts=ExportOptions()))
    assert [d["metadata"]["name"] for d in docs[1:]] == ["riotjobs-nightly", "riotjobs-parked"]


def test_names_are_valid_kubernetes_names() -> None:
    long_id = "a" * 63
    name = resource_name(long_id)
    assert len(name) <= 52 and name != resource_name("a" * 62)
    assert resource_name("ban_checker") == "riotjobs-ban-checker"


def test_starting_deadline_follows_the_schedule() -> None:
    assert starting_deadline("*/2 * * * *") == 60
    assert starting_deadline("* * * * *") == 30
    assert starting_deadline("0 3 * * *") == 600


def test_catch_up_window_becomes_the_starting_deadline(jobs_file: Any) -> None:
    text = JOBS.replace("timeout: 600\n", "timeout: 600\n    catch_up: {within: 6h}\n")
    jobs = load_jobs(Path(jobs_file(text)), registry=REGISTRY)
    docs = {
        d["metadata"]["name"]: d
        for d in _docs(manifests(jobs=jobs, enabled={}, opts=ExportOptions()))
    }
    # A 03:00 run missed while the controller was away still starts until 09:00, once.
    assert docs["riotjobs-nightly"]["spec"]["startingDeadlineSeconds"] == 6 * 3600
    assert docs["riotjobs-tracked-player-updater"]["spec"]["startingDeadlineSeconds"] == 60


def test_export_command_prints_parsable_yaml(cli_env: dict[str, str], jobs_file: Any) -> None:
    cli_env["RIOTJOBS_CONFIG"] = str(jobs_file(JOBS))
    cli_env["RIOT_API_KEY"] = "RGAPI-never-in-manifests"
    result = run_riotjobs("export", "k8s", "--image", "img:1", "--namespace", "ns", env=cli_env)
    assert result.returncode == 0, result.stderr
    docs = _docs(result.stdout)
    assert [d["kind"] for d in docs] == ["ConfigMap", "CronJob", "CronJob"]
    assert all(d["metadata"]["namespace"] == "ns" for d in docs)
    assert "RGAPI-never-in-manifests" not in result.stdout
    assert cli_env["RIOTJOBS_DATABASE_URL"].split("@")[-1] not in result.stdout
    help_text = run_riotjobs("export", "k8s", "--help", env=cli_env).stdout
    assert "database lock" in " ".join(help_text.split())  # wherever the terminal wraps


def test_ping_urls_are_optional_secret_keys(jobs_file: Any) -> None:
    jobs = load_jobs(Path(jobs_file(JOBS)), registry=REGISTRY)
    docs = _docs(manifests(jobs=jobs, enabled={}, opts=ExportOptions(secret="rj")))
    [nightly] = [d for d in docs if d["kind"] == "CronJob" and "nightly" in d["metadata"]["name"]]
    container = nightly["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    for var in ("RIOTJOBS_PING_URL", "RIOTJOBS_PING_URL_NIGHTLY"):
        ref = env[var]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": "rj", "key": var, "optional": True}

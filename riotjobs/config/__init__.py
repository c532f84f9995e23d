"""Settings from the environment and jobs.yaml, validated into typed models.

``settings``: process-wide settings (environment, then the env file). ``jobs``: jobs.yaml, parsed
with line marks so that every validation error names the file, the line and the key. Both raise
``ConfigError`` (exit 78). The names below are the package's interface.
"""

from riotjobs.config.jobs import (
    CRON_RE,
    DEFAULT_SLOW_FACTOR,
    JOB_ID_RE,
    MAX_TIMEOUT_S,
    AlertFormat,
    BrokenJob,
    Defaults,
    Job,
    JobsConfig,
    JobSpec,
    SlowFactor,
    TaskRegistry,
    load_jobs,
    load_jobs_for,
)
from riotjobs.config.settings import (
    DEFAULT_BASE_URL,
    PING_OFF,
    PING_URL,
    PLATFORMS,
    DatabaseArgs,
    RiotArgs,
    Settings,
    data_dir,
    default_env_file,
    env_file,
    load_settings,
    ping_setting,
)

__all__ = [
    "CRON_RE",
    "DEFAULT_BASE_URL",
    "DEFAULT_SLOW_FACTOR",
    "JOB_ID_RE",
    "MAX_TIMEOUT_S",
    "PING_OFF",
    "PING_URL",
    "PLATFORMS",
    "AlertFormat",
    "BrokenJob",
    "DatabaseArgs",
    "Defaults",
    "Job",
    "JobSpec",
    "JobsConfig",
    "RiotArgs",
    "Settings",
    "SlowFactor",
    "TaskRegistry",
    "data_dir",
    "default_env_file",
    "env_file",
    "load_jobs",
    "load_jobs_for",
    "load_settings",
    "ping_setting",
]

"""Settings from the environment and jobs.yaml, validated into typed models.

``settings``: process-wide settings (environment, then the env file). ``jobs``: jobs.yaml, parsed
with line marks so that every validation error names the file, the line and the key. Both raise
``ConfigError`` (exit 78). The names below are the package's interface.
"""

from riotjobs.config.jobs import (
    CRON_RE,
    JOB_ID_RE,
    MAX_TIMEOUT_S,
    AlertFormat,
    BrokenJob,
    Defaults,
    Job,
    JobsConfig,
    JobSpec,
    TaskRegistry,
    load_jobs,
    load_jobs_for,
)
from riotjobs.config.settings import (
    DEFAULT_BASE_URL,
    PLATFORMS,
    DatabaseArgs,
    RiotArgs,
    Settings,
    data_dir,
    default_env_file,
    env_file,
    load_settings,
)

__all__ = [
    "CRON_RE",
    "DEFAULT_BASE_URL",
    "JOB_ID_RE",
    "MAX_TIMEOUT_S",
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
    "TaskRegistry",
    "data_dir",
    "default_env_file",
    "env_file",
    "load_jobs",
    "load_jobs_for",
    "load_settings",
]

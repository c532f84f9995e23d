"""riotjobs: cron-driven jobs for a League of Legends player-intelligence pipeline."""

__version__ = "0.1.0"

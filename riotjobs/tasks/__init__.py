"""The tasks a job can list: ``registry`` names them and merges their config models, ``base``
is what a task receives and returns, ``progress`` how it reports, one module per task."""

"""Database access: engine and URL handling (``engine``), tables (``models``), migrations."""

"""The watchdog's abort never lands inside an import.

An exception raised in a module's first import leaves that module, and packages that imported
it, half-initialised for the rest of the process: a run stopped early then failed to create the
engine its alerts needed ("alerting failed: cannot create a database engine"). The abort must
wait for the import to finish and come right after it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from riotjobs.runner.watchdog import RunAborted, Watchdog

MODULE = "rj_slow_import_for_watchdog"


def test_the_abort_waits_for_an_import_to_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / f"{MODULE}.py").write_text("import time\n\ntime.sleep(1.5)\nREADY = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    dog = Watchdog(
        deadline=time.monotonic() + 0.3,  # passes while the module's import sleeps
        timeout_s=1,
        terminate=lambda: None,
        ping=lambda: None,
        on_abort=lambda: None,
        finalize_stuck=lambda abort: None,
        grace=10.0,
    )
    dog.start()
    try:
        with pytest.raises(RunAborted):
            __import__(MODULE)
            time.sleep(30)  # the abort comes here, once the import is done
        module = sys.modules.get(MODULE)
        assert module is not None, "the abort landed inside the import"
        assert module.READY is True
    finally:
        abort = dog.leave_tasks()
        dog.stop()
        sys.modules.pop(MODULE, None)
    assert abort is not None and abort.status == "timeout"

"""The follower's pieces: printing only what is new of a bounded log tail, and following a row
that a writer flushes and finalizes on another connection (LISTEN/NOTIFY, no processes)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from riotjobs.errors import UsageError
from riotjobs.ops.follow import LogPrinter, exit_code, follow_run
from riotjobs.runs import executions, livelog


def _printed(*tails: str) -> str:
    out: list[str] = []
    printer = LogPrinter(out.append)
    for tail in tails:
        printer.feed(tail)
    return "".join(out)


def test_only_new_lines_are_printed() -> None:
    assert _printed("a\n", "a\nb\n", "a\nb\n", "a\nb\nc\n") == "a\nb\nc\n"


def test_a_cut_tail_continues_where_the_follower_was() -> None:
    # 4 bytes ("a\nb\n") were cut; the kept part repeats c\n and adds d\n.
    assert _printed("a\nb\nc\n", "[... 4 bytes cut ...]\nc\nd\n") == "a\nb\nc\nd\n"


def test_a_follower_that_fell_behind_says_how_much_it_missed() -> None:
    assert _printed("a\n", "[... 6 bytes cut ...]\nd\n") == "a\n[... 4 bytes missed ...]\nd\n"


def test_follow_run_streams_flushes_until_the_row_is_final(conn: Any, db_url: str) -> None:
    from riotjobs.db.engine import connect

    with conn.cursor() as cur:
        run_id = executions.insert_running(cur, job_id="nap", trigger="manual", timeout_s=30)
    out: list[str] = []

    def writer() -> None:
        with connect(db_url, application_name="riotjobs tests writer") as other:
            time.sleep(0.3)
            with other.cursor() as cur:
                livelog.flush(cur, execution_id=run_id, log="one\n")
            time.sleep(0.3)
            with other.cursor() as cur:
                executions.finalize(
                    cur, execution_id=run_id, status="partial", exit_code=3, error="x",
                    counters={}, log="one\ntwo\n",
                )  # fmt: skip
                livelog.announce(cur, execution_id=run_id)

    thread = threading.Thread(target=writer)
    thread.start()
    # A long quiet-poll: only the notifications can wake it in time.
    row = follow_run(conn=conn, execution_id=run_id, write=out.append, poll_s=30)
    thread.join()
    assert "".join(out) == "one\ntwo\n"
    assert (row.status, exit_code(row)) == ("partial", 3)


def test_unknown_execution_is_a_usage_error(conn: Any) -> None:
    with pytest.raises(UsageError, match="no execution with id 999"):
        follow_run(conn=conn, execution_id=999, write=print)

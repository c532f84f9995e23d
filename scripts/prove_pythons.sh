#!/usr/bin/env bash
# Proves that riotjobs installs and runs on every CPython from 3.11 up that this machine has.
#
# For each interpreter: a fresh venv (never the checkout's .venv), `make install` into it, then
#   full (default): `make demo` on that venv: sandbox, pipeline and reports on the embedded
#                   database, which the demo stops again;
#   --quick:        one embedded-database round trip: the tests of riotjobs.db.embedded and the
#                   migrations, with the test harness forced onto its embedded cluster.
# Interpreters: the arguments (e.g. python3.13 or a path), else python3.11 and up found on PATH
# or in pyenv. A missing version is reported and skipped. Exit 0 when every Python found passed,
# 1 when one failed, 3 when none of those asked for was found.
#
#   scripts/prove_pythons.sh                 # every Python found, full demo
#   scripts/prove_pythons.sh --quick 3.13    # what CI runs
set -euo pipefail
cd "$(dirname "$0")/.."

mode=full
if [[ "${1:-}" == "--quick" ]]; then mode=quick; shift; fi

find_python() {  # $1: a version like 3.13, or a command or path
  local want=$1 cand
  if [[ "$want" != [0-9]* ]]; then
    command -v "$want" || true
    return
  fi
  # pyenv's own folders first: its shims exist for versions that are not active and then fail.
  for cand in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$want".*/bin/python"$want" \
      2>/dev/null | sort -V -r) $(command -v "python$want" || true); do
    if "$cand" -c 'import sys' >/dev/null 2>&1; then echo "$cand"; return; fi
  done
}

demo_left_postgres() {  # a cleanly stopped server removes its pid file
  if [[ $mode == full && -e .demo/data/riotjobs/pgdata/postmaster.pid ]]; then
    echo "demo: its embedded Postgres is still running" >>"$work/log-$version"
    return 0
  fi
  return 1
}

wanted=("$@")
if [[ ${#wanted[@]} -eq 0 ]]; then wanted=(3.11 3.12 3.13 3.14 3.15); fi

work=$(mktemp -d "${TMPDIR:-/tmp}/riotjobs-pythons.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=() passed=() skipped=()
for want in "${wanted[@]}"; do
  py=$(find_python "$want")
  if [[ -z "$py" ]]; then
    echo "== Python $want: not on this machine, skipped"
    skipped+=("$want")
    continue
  fi
  version=$("$py" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
  if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "== Python $version ($py): older than 3.11, skipped"
    skipped+=("$version")
    continue
  fi
  venv="$work/venv-$version"
  echo "== Python $version ($py): fresh venv $venv, $mode run"
  started=$SECONDS
  if [[ $mode == full ]]; then
    run=(make demo PYTHON="$py" VENV="$venv")
  else
    run=(bash -c "make install PYTHON='$py' VENV='$venv' && \
      RIOTJOBS_TEST_DATABASE_URL=embedded '$venv/bin/pytest' -q -p no:cacheprovider \
      tests/db/test_embedded.py tests/db/test_migrations.py")
  fi
  if "${run[@]}" >"$work/log-$version" 2>&1 && ! demo_left_postgres; then
    tail -n 3 "$work/log-$version"
    echo "== Python $version: ok in $((SECONDS - started)) s"
    passed+=("$version")
  else
    tail -n 40 "$work/log-$version"
    echo "== Python $version: FAILED after $((SECONDS - started)) s"
    failed+=("$version")
  fi
done

echo "pythons: passed ${passed[*]:-none}; failed ${failed[*]:-none}; skipped ${skipped[*]:-none}"
if [[ ${#failed[@]} -gt 0 ]]; then exit 1; fi
if [[ ${#passed[@]} -eq 0 ]]; then exit 3; fi

#!/usr/bin/env bash
# Sets up what the tests need on a fresh Debian machine, then runs lint, types and tests:
# a virtualenv with the package and its test tools, and a throwaway PostgreSQL from Debian's
# packages (every storage test runs on SQLite and on PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."

# PostgreSQL for the storage tests; openssl makes the certificate of the HTTPS test; Redis
# and haproxy for the limit shared by several machines (the tests start their own, and never
# skip: a missing one fails them).
if [ "$(id -u)" = 0 ]; then
  missing=()
  dpkg -s postgresql >/dev/null 2>&1 || missing+=(postgresql)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ -x /usr/sbin/haproxy ] || command -v haproxy >/dev/null || missing+=(haproxy)
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    # The tests start their own servers on free ports, whether the packages start theirs or not.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e ".[test]"

# A private PostgreSQL cluster, gone when this script ends.
PGROOT=$(mktemp -d /tmp/contactapi-pg.XXXXXX)
PGPORT=${CONTACTAPI_TEST_PG_PORT:-54329}
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$PGROOT"
fi
as_pg "$PGBIN/initdb -D $PGROOT/data -U postgres --auth=trust -E UTF8 >/dev/null"
as_pg "$PGBIN/pg_ctl -D $PGROOT/data -l $PGROOT/log -w -o \"-p $PGPORT -k $PGROOT -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200\" start >/dev/null"
trap 'as_pg "$PGBIN/pg_ctl -D $PGROOT/data -m immediate stop >/dev/null" || true; rm -rf "$PGROOT"' EXIT
export CONTACTAPI_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$PGPORT/postgres"

bash scripts/check.sh
.venv/bin/pytest -q "$@"

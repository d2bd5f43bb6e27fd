#!/usr/bin/env bash
# Start a throwaway PostgreSQL for the storage tests and export its URL.
# Usage (sourced, as root): . scripts/postgres.sh  -> sets ASSISTANT_TEST_DATABASE_URL
# Installs Debian's postgresql when missing; returns 1 (and sets nothing) when it cannot start.
_pg_fail() { echo "postgres: $1"; return 1; }
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) \
    >/tmp/postgres-install.log 2>&1 || { _pg_fail "install failed (/tmp/postgres-install.log)"; return 1; }
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PGDIR=$(mktemp -d /tmp/assistant-pg.XXXXXX)
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
chown postgres "$PGDIR"
su postgres -s /bin/sh -c "$PGBIN/initdb -D $PGDIR/data -A trust -U postgres -E UTF8 >$PGDIR/initdb.log 2>&1" \
  || { _pg_fail "initdb failed ($PGDIR/initdb.log)"; return 1; }
su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D $PGDIR/data -o '-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1' -l $PGDIR/log -w start >/dev/null" \
  || { _pg_fail "start failed ($PGDIR/log)"; return 1; }
export ASSISTANT_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/postgres"
echo "postgres: running on 127.0.0.1:$PGPORT ($PGDIR)"

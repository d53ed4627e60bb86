#!/usr/bin/env bash
# Starts a throwaway Postgres cluster on 127.0.0.1:${PGPORT:-55432} and prints the admin URL
# for LEADFORGE_TEST_POSTGRES_URL. Installs Debian's postgresql package when it is missing.
set -euo pipefail

port="${PGPORT:-55432}"
dir="${PGDATA_DIR:-/tmp/leadforge-ci-pg}"

bindir=""
for v in 17 16 15 14 13; do
  if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then bindir="/usr/lib/postgresql/$v/bin"; break; fi
done
if [ -z "$bindir" ]; then
  echo "installing postgresql from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  for v in 17 16 15 14 13; do
    if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then bindir="/usr/lib/postgresql/$v/bin"; break; fi
  done
fi
[ -n "$bindir" ] || { echo "no PostgreSQL server binaries found" >&2; exit 1; }

# Postgres refuses to run as root: use the postgres system user (created by the package) or
# make one.
id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
if [ -f "$dir/postmaster.pid" ]; then
  su postgres -s /bin/sh -c "$bindir/pg_ctl -D '$dir' -m immediate stop" >/dev/null 2>&1 || true
fi
rm -rf "$dir"
mkdir -p "$dir"
chown postgres "$dir"
su postgres -s /bin/sh -c "$bindir/initdb -D '$dir' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
cat >> "$dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
CONF
su postgres -s /bin/sh -c "$bindir/pg_ctl -D '$dir' -l '$dir/server.log' -w start" >/dev/null
echo "postgres://postgres@127.0.0.1:$port/postgres"

#!/usr/bin/env bash
# Starts a throwaway S3 server (moto, from PyPI) on 127.0.0.1:${MOTO_PORT:-55434} with an empty
# bucket `leadforge-test`, and prints the variables the S3 tests read, as `export` lines:
#
#   s3_env="$(bash .ci/start-s3.sh)"   # an assignment, so `set -e` sees a failure
#   eval "$s3_env"
#
# moto is installed once into a venv under ${LEADFORGE_MOTO_HOME:-~/.cache/leadforge-moto}
# (idempotent: reused while it holds the pinned version). A server this script started before
# is stopped first, so every call begins with an empty bucket. Only the exports go to stdout.
set -euo pipefail

version="5.2.5"
port="${MOTO_PORT:-55434}"
home="${LEADFORGE_MOTO_HOME:-$HOME/.cache/leadforge-moto}"
venv="$home/venv-$version"
pidfile="$home/server.pid"
log="$home/server.log"
bucket="leadforge-test"
endpoint="http://127.0.0.1:$port"

mkdir -p "$home"
if [ ! -x "$venv/bin/moto_server" ]; then
  echo "installing moto[server]==$version into $venv" >&2
  rm -rf "$home"/venv-*   # older pins too: each is ~300 MB
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$version" >&2
fi

# Stop the server an earlier call started (by its recorded pid, and only if it is moto).
if [ -f "$pidfile" ]; then
  old="$(cat "$pidfile")"
  if kill -0 "$old" 2>/dev/null && grep -q moto_server "/proc/$old/cmdline" 2>/dev/null; then
    kill "$old" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
fi
if curl -s -o /dev/null --max-time 1 "$endpoint/"; then
  echo "port $port is taken by another process; set MOTO_PORT" >&2
  exit 1
fi

# Detached, with no inherited stdout: `$(…)` around this script must not wait for the server.
setsid "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" </dev/null >"$log" 2>&1 &
echo $! >"$pidfile"
for _ in $(seq 100); do
  curl -s -o /dev/null --max-time 1 "$endpoint/moto-api/" && break
  kill -0 "$(cat "$pidfile")" 2>/dev/null || { echo "moto exited; see $log" >&2; tail -n 20 "$log" >&2; exit 1; }
  sleep 0.2
done
curl -s -o /dev/null --max-time 1 "$endpoint/moto-api/" || { echo "moto did not answer on $endpoint; see $log" >&2; exit 1; }

# moto accepts unsigned requests: a bare PUT creates the bucket.
code="$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$endpoint/$bucket")"
[ "$code" = 200 ] || { echo "creating bucket $bucket answered HTTP $code" >&2; exit 1; }

cat <<EXPORTS
export LEADFORGE_TEST_S3_URL=s3://$bucket/ci
export AWS_ENDPOINT_URL=$endpoint
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=us-east-1
export AWS_ALLOW_HTTP=true
EXPORTS

#!/usr/bin/env bash
# What the test suite needs beyond npm packages, on a Debian machine of this project's kind: PostgreSQL
# (the API's tests on PostgreSQL; its client tools for backup and restore), Chromium (the browser tests), and a C++ toolchain (better-sqlite3 and
# argon2 build native code when no prebuilt binary can be fetched), and mosquitto (the MQTT tests).
# Idempotent: installs only what is missing, starts PostgreSQL, creates the test role and database,
# starts mosquitto on 127.0.0.1:1883, and prints TEST_DATABASE_URL and TEST_MQTT_URL.
# As root it installs with apt-get; otherwise it says what is missing and carries on (those tests skip).
# Sourced (`. scripts/provision.sh`) it also exports TEST_DATABASE_URL, TEST_MQTT_URL and MOSQUITTO_BIN.
set -euo pipefail

missing=()
command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
# pg_dump / pg_restore: `facegate db backup` and `restore` on PostgreSQL (postgresql depends on it; a
# machine that only reaches a remote server needs the client alone).
command -v pg_dump >/dev/null || missing+=(postgresql-client)
command -v g++ >/dev/null || missing+=(build-essential python3)
command -v chromium >/dev/null || missing+=(chromium)
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "provision: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "provision: missing ${missing[*]} (run as root on Debian to install them); their tests will skip" >&2
  fi
fi

if command -v pg_ctlcluster >/dev/null && [ "$(id -u)" = 0 ]; then
  version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)"
  if [ -n "$version" ]; then
    pg_ctlcluster "$version" main start >/dev/null 2>&1 || true
    for _ in $(seq 1 30); do su postgres -c "pg_isready -q" && break; sleep 1; done
    su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='facegate'\"" | grep -q 1 \
      || su postgres -c "psql -qc \"CREATE ROLE facegate LOGIN PASSWORD 'facegate'\""
    su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='facegate_test'\"" | grep -q 1 \
      || su postgres -c "createdb -O facegate facegate_test"
    export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgresql://facegate:facegate@127.0.0.1:5432/facegate_test}"
  fi
fi
echo "provision: TEST_DATABASE_URL=${TEST_DATABASE_URL:-(unset: PostgreSQL tests skip)}" >&2

# The MQTT broker the events-out tests publish to (they also start their own on free ports to stop
# mid-run): Debian's mosquitto as a daemon on 127.0.0.1:1883, no systemd needed.
mosquitto_bin="$(command -v mosquitto || echo /usr/sbin/mosquitto)"
if [ -x "$mosquitto_bin" ]; then
  if ! (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null; then
    conf="${TMPDIR:-/tmp}/facegate-mosquitto.conf"
    printf 'listener 1883 127.0.0.1\nallow_anonymous true\npersistence false\n' >"$conf"
    "$mosquitto_bin" -d -c "$conf" || echo "provision: mosquitto did not start" >&2
    for _ in $(seq 1 20); do (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null && break; sleep 0.25; done
  fi
  export TEST_MQTT_URL="${TEST_MQTT_URL:-mqtt://127.0.0.1:1883}"
  export MOSQUITTO_BIN="$mosquitto_bin"
fi
echo "provision: TEST_MQTT_URL=${TEST_MQTT_URL:-(unset: MQTT tests skip)}" >&2

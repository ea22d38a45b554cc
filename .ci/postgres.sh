# A throw-away PostgreSQL cluster for the tests: sourced by .ci/run (and by
# a developer who wants one server for several runs:
#   source .ci/postgres.sh && postgres_start && cargo test ... ; postgres_stop
# ; without it, the tests start a cluster of their own the same way when the
# server is installed: tests/src/postgres/cluster.rs, which follows this
# file). It installs Debian's server when the machine has none, makes a cluster
# in a temporary directory as the unprivileged `postgres` user (PostgreSQL
# refuses to run as root), listens on 127.0.0.1 only, and exports
# BITSQ_TEST_POSTGRES with a URL the tests use to create their databases.

postgres_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/postgres" ] && { echo "$dir"; return 0; }
  done
  return 1
}

postgres_install() {
  postgres_bin >/dev/null && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update
  # postgresql-contrib is not needed; pgbench ships with the server.
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql
}

# As the `postgres` user when we are root; as ourselves otherwise.
postgres_as() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

postgres_start() {
  postgres_install
  local bin
  bin="$(postgres_bin)" || { echo "no PostgreSQL server after install" >&2; return 1; }
  POSTGRES_DIR="$(mktemp -d /tmp/bitsq-postgres.XXXXXX)"
  chmod 755 "$POSTGRES_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres "$POSTGRES_DIR"
  # A port nobody listens on, from the ephemeral range.
  POSTGRES_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  postgres_as "$bin/initdb" -D "$POSTGRES_DIR/data" -U postgres -A trust -E UTF8 >"$POSTGRES_DIR/initdb.log" 2>&1 ||
    { cat "$POSTGRES_DIR/initdb.log" >&2; return 1; }
  # Members of bitsq_password_login must give their password over TCP (the
  # password tests; tests/src/postgres/cluster.rs does the same).
  postgres_as sh -c 'f="$1/data/pg_hba.conf"; { echo "host all +bitsq_password_login 127.0.0.1/32 scram-sha-256"; cat "$f"; } >"$f.new" && mv "$f.new" "$f"' sh "$POSTGRES_DIR"
  # Enough connections for the multi-process tests and the benchmarks;
  # fsync stays on: the tests check durability, not just speed.
  postgres_as "$bin/pg_ctl" -D "$POSTGRES_DIR/data" -l "$POSTGRES_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $POSTGRES_PORT -k $POSTGRES_DIR -c max_connections=200" start ||
    { cat "$POSTGRES_DIR/server.log" >&2; return 1; }
  export POSTGRES_BIN="$bin"
  export BITSQ_TEST_POSTGRES="postgres://postgres@127.0.0.1:$POSTGRES_PORT/postgres"
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$POSTGRES_PORT ($POSTGRES_DIR)"
}

postgres_stop() {
  [ -n "${POSTGRES_DIR:-}" ] || return 0
  postgres_as "$POSTGRES_BIN/pg_ctl" -D "$POSTGRES_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$POSTGRES_DIR"
  POSTGRES_DIR=""
}

#!/usr/bin/env bash
# The production stack of docker-compose.yaml as local processes on 127.0.0.1:
# PostgreSQL 15 (metadata DB), Redis (Celery broker), the local SMTP server, then
# `airflow api-server`, `scheduler`, `dag-processor`, `triggerer` and a Celery worker.
#
#   bash scripts/stack.sh start            # init (migrate, connections, Variables) + start
#   bash scripts/stack.sh stop             # stop exactly the processes it started
#   bash scripts/stack.sh status
#   bash scripts/stack.sh airflow ARGS...  # the Airflow CLI with the stack's environment
#   bash scripts/stack.sh worker NAME      # one more Celery worker, hostname NAME
#   bash scripts/stack.sh env              # the stack's environment, secrets masked
#
# Shared settings come from deploy/airflow.env (also the compose file's env_file) and
# deploy/airflow-objects.yaml (created by deploy/init_airflow.py, as airflow-init does).
# State under $CISTRADE_STACK_DIR (default $CISTRADE_HOME/stack): pg/ (the cluster),
# redis/, airflow/ (AIRFLOW_HOME, logs), secrets.env (generated passwords and keys,
# mode 600), one <name>.pid and <name>.log per process.
# Ports: CISTRADE_STACK_PG_PORT (5433), CISTRADE_STACK_REDIS_PORT (6380),
# AIRFLOW__API__PORT (8080), CISTRADE_SMTP_PORT (8025) and the Airflow log/health
# servers (CISTRADE_STACK_WORKER_LOG_PORT 8793, CISTRADE_STACK_TRIGGER_LOG_PORT 8794,
# CISTRADE_STACK_HEALTH_PORT 8974). Every server binds 127.0.0.1: Airflow's log servers
# cannot, so the worker and the triggerer run without one (--skip-serve-logs) and the
# API server reads task logs from the shared log folder. CISTRADE_STACK_EXTRA_ENV names a file of
# KEY=VALUE lines applied after deploy/airflow.env (e.g. fast scheduler settings).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/.venv/bin"
export CISTRADE_HOME="${CISTRADE_HOME:-$ROOT/.cistrade}"
mkdir -p "$CISTRADE_HOME"
CISTRADE_HOME="$(cd "$CISTRADE_HOME" && pwd)"
STACK="${CISTRADE_STACK_DIR:-$CISTRADE_HOME/stack}"
mkdir -p "$STACK"
STACK="$(cd "$STACK" && pwd)"
PG_PORT="${CISTRADE_STACK_PG_PORT:-5433}"
REDIS_PORT="${CISTRADE_STACK_REDIS_PORT:-6380}"
API_PORT="${AIRFLOW__API__PORT:-8080}"
SMTP_PORT_LOCAL="${CISTRADE_SMTP_PORT:-8025}"
PG_BIN="${CISTRADE_PG_BIN:-/usr/lib/postgresql/15/bin}"
[ -x "$PG_BIN/postgres" ] || PG_BIN="$(dirname "$(command -v postgres || echo /usr/bin/postgres)")"
AIRFLOW_SERVICES=(api-server scheduler dag-processor triggerer worker)

die() { echo "stack: $*" >&2; exit 1; }
port_open() { (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
alive() { [ -f "$STACK/$1.pid" ] && kill -0 "$(cat "$STACK/$1.pid")" 2>/dev/null; }

# -- secrets: generated once, mode 600, never printed ------------------------------------
secrets() {
  local file="$STACK/secrets.env"
  if [ ! -f "$file" ]; then
    (umask 077
     "$BIN/python" - > "$file" <<'PY'
import secrets
from cryptography.fernet import Fernet
print(f"POSTGRES_PASSWORD={secrets.token_hex(16)}")
print(f"REDIS_PASSWORD={secrets.token_hex(16)}")
print(f"AIRFLOW_FERNET_KEY={Fernet.generate_key().decode()}")
print(f"AIRFLOW_JWT_SECRET={secrets.token_urlsafe(32)}")
print(f"AIRFLOW_ADMIN_PASSWORD={secrets.token_urlsafe(12)}")
PY
    )
  fi
  set -a; . "$file"; set +a
}

load_env_file() {  # KEY=VALUE lines, comments and blanks skipped, no interpolation
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in ''|'#'*) continue ;; esac
    export "${line%%=*}=${line#*=}"
  done < "$1"
}

# -- the environment every Airflow process of the stack gets -----------------------------
stack_env() {
  secrets
  # connections come from deploy/airflow-objects.yaml, not from the caller's environment
  # (the Makefile exports AIRFLOW_CONN_SMTP_DEFAULT for `make airflow`)
  local conn
  for conn in $(compgen -e | grep '^AIRFLOW_CONN_' || true); do unset "$conn"; done
  load_env_file "$ROOT/deploy/airflow.env"
  export AIRFLOW_HOME="$STACK/airflow"
  export AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags"
  export AIRFLOW__CORE__PLUGINS_FOLDER="$ROOT/plugins"
  export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="postgresql+psycopg2://airflow:$POSTGRES_PASSWORD@127.0.0.1:$PG_PORT/airflow"
  export AIRFLOW__CELERY__RESULT_BACKEND="db+postgresql+psycopg2://airflow:$POSTGRES_PASSWORD@127.0.0.1:$PG_PORT/airflow"
  export AIRFLOW__CELERY__BROKER_URL="redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT/0"
  export AIRFLOW__CORE__FERNET_KEY="$AIRFLOW_FERNET_KEY"
  export AIRFLOW__API_AUTH__JWT_SECRET="$AIRFLOW_JWT_SECRET"
  export AIRFLOW__API__HOST=127.0.0.1
  export AIRFLOW__API__PORT="$API_PORT"
  export AIRFLOW__API__BASE_URL="http://127.0.0.1:$API_PORT"
  # Tasks reach the API server here: follows AIRFLOW__API__PORT.
  export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$API_PORT/execution/"
  export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin"
  export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$STACK/airflow/passwords.json"
  export AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT="${CISTRADE_STACK_WORKER_LOG_PORT:-8793}"
  export AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT="${CISTRADE_STACK_TRIGGER_LOG_PORT:-8794}"
  export AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT="${CISTRADE_STACK_HEALTH_PORT:-8974}"
  export AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST=127.0.0.1
  export AIRFLOW__CORE__DEFAULT_TIMEZONE="${CISTRADE_TIMEZONE:-Europe/London}"
  export CISTRADE_TIMEZONE="${CISTRADE_TIMEZONE:-Europe/London}"
  export CISTRADE_WAREHOUSE="${CISTRADE_WAREHOUSE:-duckdb}"
  export CISTRADE_ALERT_TO="${CISTRADE_ALERT_TO:-gmp-support@localhost}"
  export CISTRADE_MARKET_DATA_TO="${CISTRADE_MARKET_DATA_TO:-market-data@localhost}"
  export CISTRADE_SMTP_PORT="$SMTP_PORT_LOCAL"
  # what deploy/airflow-objects.yaml reads
  export SMTP_HOST=127.0.0.1 SMTP_PORT="$SMTP_PORT_LOCAL" SMTP_DISABLE_TLS=true SMTP_DISABLE_SSL=true
  export HIVE_HOST="${HIVE_HOST:-127.0.0.1}" HIVE_PORT="${HIVE_PORT:-10000}"
  export BLOOMBERG_HOST="${BLOOMBERG_HOST:-127.0.0.1}" BLOOMBERG_PORT="${BLOOMBERG_PORT:-8611}"
  export REUTERS_HOST="${REUTERS_HOST:-127.0.0.1}" REUTERS_PORT="${REUTERS_PORT:-8611}"
  export PYTHONPATH="$ROOT:$ROOT/plugins${PYTHONPATH:+:$PYTHONPATH}"
  # one machine, several workers: a task reports its worker's name (plugins/cistrade_airflow/hostname.py)
  export AIRFLOW__CORE__HOSTNAME_CALLABLE=cistrade_airflow.hostname.worker_hostname
  export PATH="$BIN:$PATH"
  if [ -n "${CISTRADE_STACK_EXTRA_ENV:-}" ]; then load_env_file "$CISTRADE_STACK_EXTRA_ENV"; fi
  mkdir -p "$AIRFLOW_HOME"
  if [ ! -f "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE" ]; then
    (umask 077; printf '{"admin": "%s"}\n' "$AIRFLOW_ADMIN_PASSWORD" \
       > "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE")
  fi
}

# -- processes: each its own session (process group), PID and log under $STACK ------------
launch() {  # NAME CMD...
  local name=$1; shift
  if alive "$name"; then echo "$name already running (pid $(cat "$STACK/$name.pid"))"; return; fi
  setsid "$@" > "$STACK/$name.log" 2>&1 < /dev/null &
  echo $! > "$STACK/$name.pid"
}

wait_for() {  # NAME SECONDS TEST...
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    alive "$name" || { tail -n 30 "$STACK/$name.log" >&2; die "$name exited; log: $STACK/$name.log"; }
    [ $SECONDS -lt $deadline ] || { tail -n 30 "$STACK/$name.log" >&2; die "$name not healthy after ${seconds}s"; }
    sleep 1
  done
}

AS_PG=()  # PostgreSQL refuses to run as root: run it as the postgres user then
[ "$(id -u)" -ne 0 ] || AS_PG=(runuser -u postgres --)
as_pg() { "${AS_PG[@]}" "$@"; }

start_postgres() {
  local data="$STACK/pg" run="$STACK/pg-run"
  mkdir -p "$run"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$run"
    runuser -u postgres -- test -x "$STACK" \
      || die "the postgres user cannot reach $STACK; pick a CISTRADE_STACK_DIR it can traverse"
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" -ne 0 ] || chown postgres "$data"
    local pwfile="$run/pwfile"
    (umask 077; printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile")
    [ "$(id -u)" -ne 0 ] || chown postgres "$pwfile"
    as_pg "$PG_BIN/initdb" -D "$data" -U airflow --pwfile="$pwfile" --auth=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 > "$STACK/initdb.log" 2>&1 \
      || { rm -f "$pwfile"; cat "$STACK/initdb.log" >&2; die "initdb failed"; }
    rm -f "$pwfile"
  fi
  launch postgres "${AS_PG[@]}" "$PG_BIN/postgres" -D "$data" -k "$run" -h 127.0.0.1 -p "$PG_PORT" \
    -c max_connections=200
  wait_for postgres 60 "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"
  if ! PGPASSWORD="$POSTGRES_PASSWORD" psql -h 127.0.0.1 -p "$PG_PORT" -U airflow -d postgres \
       -tAc "SELECT 1 FROM pg_database WHERE datname = 'airflow'" | grep -q 1; then
    PGPASSWORD="$POSTGRES_PASSWORD" psql -q -h 127.0.0.1 -p "$PG_PORT" -U airflow -d postgres \
      -c "CREATE DATABASE airflow"
  fi
}

start_redis() {
  mkdir -p "$STACK/redis"
  (umask 077; printf 'bind 127.0.0.1\nport %s\nrequirepass %s\ndir %s\nsave ""\nappendonly no\nprotected-mode yes\n' \
     "$REDIS_PORT" "$REDIS_PASSWORD" "$STACK/redis" > "$STACK/redis/redis.conf")
  launch redis redis-server "$STACK/redis/redis.conf"
  wait_for redis 30 env REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
}

api_healthy() { "$BIN/python" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=5)" \
  "http://127.0.0.1:$API_PORT/api/v2/version"; }
scheduler_healthy() { "$BIN/python" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=5)" \
  "http://127.0.0.1:$AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT/health"; }

start_worker() {  # NAME (its Celery hostname) [LOG_PORT]
  local name=$1 port=${2:-$AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT}
  AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT="$port" CISTRADE_WORKER_HOSTNAME="$name@127.0.0.1" \
    launch "$name" "$BIN/airflow" celery worker --celery-hostname "$name@127.0.0.1" --skip-serve-logs
  wait_for "$name" 180 grep -q "ready\." "$STACK/$name.log"
}

start() {
  command -v redis-server >/dev/null || die "redis-server missing: run bash scripts/ensure-system-deps.sh"
  [ -x "$PG_BIN/postgres" ] || die "PostgreSQL 15 missing: run bash scripts/ensure-system-deps.sh"
  local p
  if ! alive postgres; then
    for p in "$PG_PORT" "$REDIS_PORT" "$API_PORT" "$SMTP_PORT_LOCAL"; do
      if port_open "$p"; then die "port $p is taken by another process"; fi
    done
  fi
  start_postgres
  start_redis
  launch smtp "$BIN/cistrade" mail serve --port "$SMTP_PORT_LOCAL"
  wait_for smtp 30 port_open "$SMTP_PORT_LOCAL"
  "$BIN/python" "$ROOT/deploy/init_airflow.py" > "$STACK/init.log" 2>&1 \
    || { cat "$STACK/init.log" >&2; die "init failed; log: $STACK/init.log"; }
  launch api-server "$BIN/airflow" api-server
  launch scheduler "$BIN/airflow" scheduler
  launch dag-processor "$BIN/airflow" dag-processor
  launch triggerer "$BIN/airflow" triggerer --skip-serve-logs
  wait_for api-server 240 api_healthy
  start_worker worker
  wait_for scheduler 120 scheduler_healthy
  echo "stack up: API and UI http://127.0.0.1:$API_PORT (user admin, password in" \
       "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE), SMTP 127.0.0.1:$SMTP_PORT_LOCAL," \
       "PostgreSQL 127.0.0.1:$PG_PORT, Redis 127.0.0.1:$REDIS_PORT; logs in $STACK"
}

stop_one() {  # NAME [SIGNAL]: the process group the stack started, then SIGKILL after 30 s
  local name=$1 sig=${2:-TERM} pid i
  [ -f "$STACK/$name.pid" ] || return 0
  pid=$(cat "$STACK/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "-$sig" -- "-$pid" 2>/dev/null || kill "-$sig" "$pid" 2>/dev/null || true
    for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    echo "$name stopped (pid $pid)"
  fi
  rm -f "$STACK/$name.pid"
}

stop() {
  local f name
  # Airflow first (extra workers too), then SMTP, Redis and PostgreSQL
  for f in "$STACK"/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid)
    case "$name" in postgres|redis|smtp) ;; *) stop_one "$name" & ;; esac
  done
  wait
  stop_one smtp; stop_one redis; stop_one postgres INT  # INT: PostgreSQL's fast shutdown
}

status() {
  local f name rc=0
  for name in postgres redis smtp "${AIRFLOW_SERVICES[@]}"; do
    if alive "$name"; then echo "$name running (pid $(cat "$STACK/$name.pid"))"
    else echo "$name stopped"; rc=1; fi
  done
  for f in "$STACK"/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid)
    case " postgres redis smtp ${AIRFLOW_SERVICES[*]} " in *" $name "*) continue ;; esac
    if alive "$name"; then echo "$name running (pid $(cat "$f"))"; else echo "$name stopped"; fi
  done
  return $rc
}

show_env() {
  env | grep -E '^(AIRFLOW|CISTRADE|SMTP_|HIVE_|BLOOMBERG_|REUTERS_)' | sort \
    | sed -E 's#(://[^:/@]*:)[^@]*@#\1***@#; s#^((AIRFLOW__CORE__FERNET_KEY|AIRFLOW__API_AUTH__JWT_SECRET|AIRFLOW_FERNET_KEY|AIRFLOW_JWT_SECRET|[A-Z_]*PASSWORD|[A-Z_]*API_KEY)=).*#\1***#'
}

cmd="${1:-}"; shift || true
case "$cmd" in
  start) stack_env; start ;;
  stop) stop ;;
  status) status ;;
  airflow) stack_env; exec "$BIN/airflow" "$@" ;;
  worker)
    stack_env
    [ -n "${1:-}" ] || die "usage: $0 worker NAME [LOG_PORT]"
    start_worker "$@" ;;
  stop-worker) stop_one "${1:?usage: $0 stop-worker NAME}" ;;
  env) stack_env; show_env ;;
  *) echo "usage: $0 start|stop|status|airflow ARGS...|worker NAME [LOG_PORT]|stop-worker NAME|env" >&2; exit 2 ;;
esac

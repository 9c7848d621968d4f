#!/usr/bin/env bash
# Airflow standalone (API server, scheduler, dag-processor, triggerer) on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"  # standalone starts its components as `airflow ...`
echo "Airflow UI: http://127.0.0.1:${AIRFLOW__API__PORT:-8080}"
echo "Login: user 'admin'; the password is printed below and kept in"
echo "  $AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
echo "Stop with Ctrl-C (the whole process group is stopped)."
setsid .venv/bin/airflow standalone &
pid=$!
trap 'kill -TERM -- -$pid 2>/dev/null; wait $pid 2>/dev/null; exit 0' INT TERM
wait $pid

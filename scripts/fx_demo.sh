#!/usr/bin/env bash
# FX rates end to end on the market-data simulator: load from Bloomberg, the Reuters
# backup run, show, convert, then a Bloomberg outage and the fallback to Reuters.
# Alerts go to the SMTP server on $CISTRADE_SMTP_PORT (and stay in the mail outbox if it is down).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CISTRADE_HOME:?}"
port="${CISTRADE_FX_SIM_PORT:-8611}"
sim="http://127.0.0.1:$port"
export CISTRADE_BLOOMBERG_URL="$sim/bloomberg" CISTRADE_REUTERS_URL="$sim/reuters"
export CISTRADE_BLOOMBERG_API_KEY="${CISTRADE_BLOOMBERG_API_KEY:-demo-bloomberg-key}"
export CISTRADE_REUTERS_API_KEY="${CISTRADE_REUTERS_API_KEY:-demo-reuters-key}"
bin=.venv/bin/cistrade
pidfile="$CISTRADE_HOME/fx-simulator.pid"
mkdir -p "$CISTRADE_HOME"
port_open() { (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
if port_open; then
  echo "port $port is taken; set CISTRADE_FX_SIM_PORT" >&2
  exit 1
fi
setsid "$bin" fx simulate --port "$port" > "$CISTRADE_HOME/fx-simulator.log" 2>&1 < /dev/null &
echo $! > "$pidfile"
trap 'kill -- "-$(cat "$pidfile")" 2>/dev/null || true; rm -f "$pidfile"' EXIT
for _ in $(seq 1 50); do port_open && break; sleep 0.2; done
port_open || { echo "simulator did not start; see $CISTRADE_HOME/fx-simulator.log" >&2; exit 1; }

set -x
"$bin" fx seed-currencies
"$bin" fx load --quiet
"$bin" fx load --provider reuters --quiet
"$bin" fx show EURUSD GBPUSD USDJPY USDCHF EURJPY
"$bin" fx convert 1000000 EUR JPY
"$bin" fx convert 250000 CHF BRL
"$bin" fx fault --url "$sim" bloomberg=down
CISTRADE_FX_BACKOFF_INITIAL=0.2 "$bin" fx load --quiet
"$bin" fx fault --url "$sim" --clear bloomberg
"$bin" fx health --limit 1

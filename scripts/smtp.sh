#!/usr/bin/env bash
# Start or stop the local SMTP server that stores mail under $CISTRADE_HOME/outbox.
set -euo pipefail
: "${CISTRADE_HOME:?}" "${CISTRADE_SMTP_PORT:=8025}"
pidfile="$CISTRADE_HOME/smtp.pid"
mkdir -p "$CISTRADE_HOME"
port_open() { (echo > "/dev/tcp/127.0.0.1/$CISTRADE_SMTP_PORT") 2>/dev/null; }
case "${1:-}" in
  start)
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "SMTP server already running on 127.0.0.1:$CISTRADE_SMTP_PORT (pid $(cat "$pidfile"))"
      exit 0
    fi
    if port_open; then
      echo "port $CISTRADE_SMTP_PORT is taken by another process; set CISTRADE_SMTP_PORT" >&2
      exit 1
    fi
    setsid "$(dirname "$0")/../.venv/bin/cistrade" mail serve --port "$CISTRADE_SMTP_PORT" \
      > "$CISTRADE_HOME/smtp.log" 2>&1 < /dev/null &
    echo $! > "$pidfile"
    for _ in $(seq 1 50); do port_open && break; sleep 0.2; done
    port_open || { echo "SMTP server did not start; see $CISTRADE_HOME/smtp.log" >&2; exit 1; }
    echo "SMTP server on 127.0.0.1:$CISTRADE_SMTP_PORT (pid $(cat "$pidfile")), mail kept in $CISTRADE_HOME/outbox"
    ;;
  stop)
    if [ -f "$pidfile" ]; then
      kill -- "-$(cat "$pidfile")" 2>/dev/null || kill "$(cat "$pidfile")" 2>/dev/null || true
      rm -f "$pidfile"
      echo "SMTP server stopped"
    fi
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

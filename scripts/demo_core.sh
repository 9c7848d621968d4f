#!/usr/bin/env bash
# Core library demo: demo users, one portfolio through the maker-checker workflow
# (refusals included), its history, the notifications and the audit trail.
#
# Needs the currency reference data in the warehouse (the GMP load of `make demo`
# runs first) and the local SMTP server (`make smtp-start`). Re-runnable: each run
# uses a new portfolio code.
#
# Demo passwords (demo only): taken from CISTRADE_DEMO_{MAKER,CHECKER,AUDITOR}_PASSWORD
# when set; otherwise generated at random on the first run and kept, readable by
# you only, in $CISTRADE_HOME/demo-passwords.env for later runs.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CISTRADE_HOME:?set CISTRADE_HOME (the Makefile does)}"
C=.venv/bin/cistrade
mkdir -p "$CISTRADE_HOME"

secrets_file="$CISTRADE_HOME/demo-passwords.env"
if [ -f "$secrets_file" ]; then
  # shellcheck disable=SC1090
  . "$secrets_file"
fi
gen() { .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(12))'; }
export CISTRADE_DEMO_MAKER_PASSWORD="${CISTRADE_DEMO_MAKER_PASSWORD:-$(gen)}"
export CISTRADE_DEMO_CHECKER_PASSWORD="${CISTRADE_DEMO_CHECKER_PASSWORD:-$(gen)}"
export CISTRADE_DEMO_AUDITOR_PASSWORD="${CISTRADE_DEMO_AUDITOR_PASSWORD:-$(gen)}"
if [ ! -f "$secrets_file" ]; then
  (umask 077; {
    echo "CISTRADE_DEMO_MAKER_PASSWORD='$CISTRADE_DEMO_MAKER_PASSWORD'"
    echo "CISTRADE_DEMO_CHECKER_PASSWORD='$CISTRADE_DEMO_CHECKER_PASSWORD'"
    echo "CISTRADE_DEMO_AUDITOR_PASSWORD='$CISTRADE_DEMO_AUDITOR_PASSWORD'"
  } > "$secrets_file")
fi
export CISTRADE_SESSION_FILE="$CISTRADE_HOME/demo-session.json"

step() { printf '\n== %s\n' "$*"; }
as() {  # as USER: log in as a demo user (password from the environment, never argv)
  local var="CISTRADE_DEMO_$(echo "${1#demo_}" | tr '[:lower:]' '[:upper:]')_PASSWORD"
  CISTRADE_PASSWORD="${!var}" $C acl login --user "$1"
}
refused() { "$@" && { echo "expected a refusal" >&2; exit 1; } || true; }

step "ACL: demo groups and users (maker, checker, auditor)"
$C acl seed-demo
$C acl groups

step "Maker: user-defined fields and a new portfolio"
as demo_maker
$C udf list | grep -q '^strategy ' || $C udf define strategy --label "Investment strategy" \
  --type enum --allowed HEDGE --allowed TRADING --allowed BANKING --mandatory --default TRADING
$C udf list | grep -q '^risk_limit ' || $C udf define risk_limit --label "Risk limit" \
  --type decimal --mandatory
$C udf list
code="DEMO-$(date -u +%Y%m%d%H%M%S)"
$C portfolio create "$code" --name "Demo equities London" --currency GBP --owner demo_maker \
  --desk "EQ Flow" --udf risk_limit=1500000 || {
  echo "(the currency reference data must be loaded first: run the GMP load)" >&2; exit 1; }
$C portfolio submit "$code" --version 1
echo "-- the maker may not approve:"
refused $C portfolio approve "$code" --version 2

step "Checker: approve the new portfolio"
as demo_checker
echo "-- a stale version is refused:"
refused $C portfolio approve "$code" --version 1
$C portfolio approve "$code" --version 2

step "Maker: change the ACTIVE portfolio (the approved version stays current)"
as demo_maker
$C portfolio edit "$code" --version 3 --udf risk_limit=2500000 --desk "EQ Delta One"
$C portfolio submit "$code" --version 4
$C portfolio show "$code"

step "Checker: reject the change with a reason; maker fixes it; checker approves"
as demo_checker
$C portfolio reject "$code" --version 5 --reason "limit above 2m needs risk sign-off"
as demo_maker
$C portfolio edit "$code" --version 6 --udf risk_limit=2000000
$C portfolio submit "$code" --version 7
as demo_checker
$C portfolio approve "$code" --version 8
$C portfolio show "$code"
$C portfolio history "$code"

step "Auditor: the audit trail of $code"
as demo_auditor
$C audit query --entity "$code"
echo "-- the auditor may not change portfolios:"
refused $C portfolio edit "$code" --version 9 --name "Renamed"

step "Notifications sent for $code (mail kept in $CISTRADE_HOME/outbox)"
$C notify list --portfolio "$code"
$C acl logout

#!/usr/bin/env bash
# Install the Debian packages the platform needs, if they are missing:
# the Pango/HarfBuzz/fontconfig libraries WeasyPrint renders PDFs with, a font,
# poppler-utils (pdftoppm, for looking at reports), a Java runtime for the
# HiveServer2 the Hive tests start, and for the monitoring tests Prometheus (with
# promtool), the Pushgateway and Chromium (driven by Playwright), wrk for the
# REST API benchmark, and for the local production stack (scripts/stack.sh) the
# PostgreSQL 15 server and Redis.
set -euo pipefail
missing=()
# (not `ldconfig -p | grep -q`: with pipefail, grep quitting early fails the pipe)
LIBS=$(ldconfig -p 2>/dev/null || true)
have_lib() { grep -qF "$1" <<<"$LIBS"; }
have_lib libpango-1.0.so.0      || missing+=(libpango-1.0-0)
have_lib libpangoft2-1.0.so.0   || missing+=(libpangoft2-1.0-0)
have_lib libharfbuzz.so.0       || missing+=(libharfbuzz0b)
have_lib libharfbuzz-subset.so.0 || missing+=(libharfbuzz-subset0)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
have_lib libfontconfig.so.1     || missing+=(libfontconfig1)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-pushgateway >/dev/null 2>&1 || missing+=(prometheus-pushgateway)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# the HTTP load generator of the REST API benchmark (`python -m bench api`)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql-15)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# `python3 -m venv` (the uv tool environment): Debian splits ensurepip out of python3
"${PYTHON:-python3}" -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

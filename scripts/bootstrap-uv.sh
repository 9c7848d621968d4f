#!/usr/bin/env bash
# Install uv into a small tool environment inside the project (.tools/ by default).
#
# Works with any Python 3 that has venv: Debian's own python3 (PEP 668 "externally
# managed": pip refuses system and --user installs, a venv is fine), pyenv, or a
# virtualenv's python. Prints nothing when uv is already there.
#   usage: bootstrap-uv.sh TOOLS_DIR UV_VERSION
set -euo pipefail
tools=${1:?tools directory}
version=${2:?uv version}
python=${PYTHON:-python3}
uv="$tools/bin/uv"
if [ -x "$uv" ] && [ "$("$uv" --version 2>/dev/null | awk '{print $2}')" = "$version" ]; then
  exit 0
fi
command -v "$python" >/dev/null 2>&1 || { echo "bootstrap: no $python on PATH; install Python 3.11" >&2; exit 1; }
echo "bootstrap: uv $version into $tools (with $("$python" -c 'import sys; print(sys.executable)'))"
rm -rf "$tools"
# --without-pip first checks that venv works at all; ensurepip is what Debian's
# python3-venv package adds (scripts/ensure-system-deps.sh installs it).
if ! "$python" -m venv "$tools" >/dev/null 2>"$tools.err"; then
  cat "$tools.err" >&2; rm -f "$tools.err"
  echo "bootstrap: '$python -m venv' failed; on Debian install python3-venv (make system-deps)" >&2
  exit 1
fi
rm -f "$tools.err"
"$tools/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$version"
"$uv" --version

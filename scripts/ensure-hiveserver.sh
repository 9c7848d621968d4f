#!/usr/bin/env bash
# Install the local HiveServer2 of the tests and benchmarks: the Spark Thrift
# Server shipped in the pyspark package, at the version pinned in uv.lock (the
# `hiveserver` dependency group), into .cistrade/hiveserver/ rather than .venv.
# A Java runtime comes from ensure-system-deps.sh. Re-running is a no-op.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-uv}
TARGET=${CISTRADE_HIVESERVER_DIR:-$PWD/.cistrade/hiveserver}
req=$("$UV" export --frozen --only-group hiveserver --no-hashes --no-header \
      --no-annotate --no-emit-project)
stamp="$TARGET/.installed"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$req" ] && [ -x "$TARGET/pyspark/bin/spark-submit" ]; then
  exit 0
fi
echo "installing the local HiveServer2 (pyspark from uv.lock) into $TARGET"
rm -rf "$TARGET"
mkdir -p "$TARGET"
printf '%s\n' "$req" > "$TARGET/requirements.txt"
"$UV" pip install --quiet --python .venv/bin/python --target "$TARGET" --no-deps \
  -r "$TARGET/requirements.txt"
chmod +x "$TARGET"/pyspark/bin/* 2>/dev/null || true
printf '%s' "$req" > "$stamp"

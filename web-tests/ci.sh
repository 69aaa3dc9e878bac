#!/usr/bin/env bash
# The browser test of `sparsewave serve`: installs Debian's chromium if missing, installs
# playwright-core (npm ci), builds the release binary if needed, starts the server on a free
# port, drives the page in headless Chromium (test.mjs), and stops the server.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "web-tests: installing chromium (Debian package)"
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
(cd "$here" && npm ci --no-audit --no-fund --silent)
cargo build --release -q -p sparsewave-cli --manifest-path "$root/Cargo.toml"
bin="$root/target/release/sparsewave"

log="$(mktemp)"
"$bin" serve --port 0 >"$log" 2>&1 &
server=$!
trap 'kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log"' EXIT
url=""
for _ in $(seq 100); do
  url="$(grep -o 'http://[^ ]*' "$log" || true)"
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$log"; echo "web-tests: the server did not start"; exit 1; }

# An optional script name and its arguments (e.g. latency.mjs FILE) replace the browser test.
SPARSEWAVE_URL="$url" SPARSEWAVE_BIN="$bin" node "$here/${1:-test.mjs}" "${@:2}"

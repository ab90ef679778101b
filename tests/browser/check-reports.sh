#!/usr/bin/env bash
# Renders report.html of `simulate` and `capacity` in headless Chromium, as a reader's browser
# would: fails on a console error, a page without its recommendation, table and charts, or a blank
# screenshot. Screenshots are kept in target/browser-check/ to look at.
# Usage: tests/browser/check-reports.sh [path/to/agentcost]   (default: a release build)
set -euo pipefail
cd "$(dirname "$0")/../.."

browser=""
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then browser="$b"; break; fi
done
if [ -z "$browser" ]; then
  echo "no Chromium found: install Debian's chromium (apt-get install chromium)" >&2
  exit 1
fi

bin="${1:-}"
if [ -z "$bin" ]; then
  cargo build --release --locked -q
  bin=target/release/agentcost
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
shots=target/browser-check
mkdir -p "$shots"

"$bin" simulate case-file-batches --documents 2000 --replications 2 --out "$work/simulate" >/dev/null
"$bin" capacity kyc-independent --quota 5,50 --documents 2000 --replications 1 \
  --target-p95-wait 5 --out "$work/capacity" >/dev/null

# Chromium refuses to run as root without --no-sandbox; the pages are our own files.
flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-extensions
       --hide-scrollbars --enable-logging=stderr --v=0)

status=0
for report in simulate capacity; do
  page="file://$work/$report/report.html"
  if ! timeout 120 "$browser" "${flags[@]}" --virtual-time-budget=5000 --dump-dom "$page" \
      >"$work/$report.dom" 2>"$work/$report.log"; then
    echo "FAIL $report: chromium exited non-zero" >&2
    tail -20 "$work/$report.log" >&2
    status=1
    continue
  fi
  # Console messages of the page itself are logged as CONSOLE(...) lines; any error fails.
  if grep -E 'CONSOLE|Uncaught' "$work/$report.log" | grep -qiE 'error|uncaught'; then
    echo "FAIL $report: console errors" >&2
    grep -E 'CONSOLE|Uncaught' "$work/$report.log" >&2
    status=1
  fi
  svgs=$(grep -o '<svg' "$work/$report.dom" | wc -l)
  rows=$(grep -o '<tr>' "$work/$report.dom" | wc -l)
  if [ "$svgs" -lt 1 ] || [ "$rows" -lt 3 ] || ! grep -q '<h1>agentcost' "$work/$report.dom"; then
    echo "FAIL $report: the rendered page lacks its heading, table or charts ($svgs charts, $rows rows)" >&2
    status=1
  fi
  timeout 120 "$browser" "${flags[@]}" --window-size=1280,2400 \
    --screenshot="$shots/$report.png" "$page" >/dev/null 2>&1 || true
  size=$(stat -c %s "$shots/$report.png" 2>/dev/null || echo 0)
  # A blank 1280x2400 PNG compresses to a few kB; a rendered report is far larger.
  if [ "$size" -lt 20000 ]; then
    echo "FAIL $report: screenshot missing or blank ($size bytes)" >&2
    status=1
  else
    echo "ok   $report: $svgs charts, $rows table rows, screenshot $shots/$report.png ($size bytes)"
  fi
done
exit "$status"

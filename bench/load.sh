#!/usr/bin/env bash
# Load, scale and durability measurements on loopback (wrk from Debian's packages).
#
#   bench/load.sh [seconds per measurement]      # writes bench/results/load-<date>.md
#
# For SQLite with the Ballerup database and with 98 synthetic plans (bench-data, ~1M progress
# updates), and for PostgreSQL when KLIMASPOR_BENCH_POSTGRES_URL names an empty database:
# requests/s and p50/p99 latency at 1, 16 and 64 connections for the plan listing, one measure
# and the overdue sub-goals; durable progress updates per second with If-Match; the server's
# peak RSS. Beside each, the reference limit: the same bytes served from memory by a minimal
# actix-web handler, and for writes a bare SQLite insert-and-commit loop on the same disk.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-5}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
cargo build --release --locked --bin klimaspor --example reference_server --example fsync_baseline
BIN=target/release/klimaspor
REF=target/release/examples/reference_server
WORK=$(mktemp -d)
OUT=bench/results/load-$(date +%Y-%m-%d).md
mkdir -p bench/results
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() { for _ in $(seq 1 300); do curl -fs "$1/readyz" >/dev/null 2>&1 && return; sleep 0.1; done; echo "not ready: $1"; exit 1; }
to_ms() { # "1.23ms" / "456.00us" / "1.02s" → milliseconds
  awk -v v="$1" 'BEGIN { n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /ms$/) n=n; else if (v ~ /s$/) n*=1000; printf "%.2f", n }'
}
# wrk URL CONNECTIONS [extra args…] → "rps p50 p99"
measure() {
  local url=$1 c=$2; shift 2
  local t=$(( c < 2 ? 1 : 2 ))
  local out; out=$(wrk -t"$t" -c"$c" -d"${SECS}s" --latency "$@" "$url")
  local rps; rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  local p50; p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  local p99; p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  local non2xx; non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  echo "$rps $(to_ms "$p50") $(to_ms "$p99") ${non2xx:-0}"
}
rss_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }

{
  echo "# Load results $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $SECS s per measurement; wrk $(wrk --version 2>&1 | head -1 | awk '{print $2}')."
  echo
} > "$OUT"

run_backend() { # NAME DATABASE_URL DATA_DIR
  local name=$1 url=$2 data=$3
  local p; p=$(port)
  local base="http://127.0.0.1:$p"
  KLIMASPOR_DATA_DIR=$data DATABASE_URL=$url KLIMASPOR_BIND=127.0.0.1:$p KLIMASPOR_NO_SCHEDULER=true \
    RUST_LOG=warn "$BIN" serve > "$WORK/$name.log" 2>&1 &
  local pid=$!; PIDS+=("$pid")
  wait_ready "$base"
  local token; token=$(KLIMASPOR_DATA_DIR=$data DATABASE_URL=$url "$BIN" token create --role admin --name load 2>/dev/null | tail -1)
  curl -fs "$base/api/v1/plans/ballerup/measures" > "$WORK/measures.json"
  {
    echo "## $name"
    echo
    echo "| request | connections | requests/s | p50 ms | p99 ms | reference requests/s | share of reference |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
  } >> "$OUT"
  local rp; rp=$(port)
  "$REF" "$rp" "$WORK/measures.json" & PIDS+=("$!")
  sleep 0.5
  for path in "/api/v1/plans/ballerup/measures" "/api/v1/plans/ballerup/measures/12" "/api/v1/plans/ballerup/subgoals?overdue=true"; do
    for c in 1 16 64; do
      read -r rps p50 p99 _ <<<"$(measure "$base$path" "$c")"
      local ref="" share=""
      if [ "$path" = "/api/v1/plans/ballerup/measures" ]; then
        read -r ref _ _ _ <<<"$(measure "http://127.0.0.1:$rp/" "$c")"
        share=$(awk -v a="$rps" -v b="$ref" 'BEGIN { printf "%.0f %%", 100*a/b }')
      fi
      echo "| GET ${path} | $c | $rps | $p50 | $p99 | ${ref:-–} | ${share:-–} |" >> "$OUT"
    done
  done
  for c in 1 4 16; do
    read -r rps p50 p99 non2xx <<<"$(TOKEN=$token NTHREADS=$c FIRST_ID=1 ID_COUNT=80 measure "$base" "$c" -t"$c" -s bench/progress.lua)"
    echo "| POST progress (If-Match) | $c | $rps | $p50 | $p99 | – | non-2xx: $non2xx |" >> "$OUT"
  done
  echo >> "$OUT"
  echo "Peak RSS of the server: $(( $(rss_kb "$pid") / 1024 )) MB." >> "$OUT"
  echo >> "$OUT"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

mkdir -p "$WORK/ballerup" "$WORK/big"
run_backend "SQLite, Ballerup database" "sqlite://$WORK/ballerup/klimaspor.db" "$WORK/ballerup"
KLIMASPOR_DATA_DIR="$WORK/big" "$BIN" bench-data --plans "${BENCH_PLANS:-98}" --years 10 > "$WORK/bench-data.json"
echo "bench-data: $(tr -d '\n ' < "$WORK/bench-data.json")" >> "$OUT"
echo >> "$OUT"
run_backend "SQLite, 98 synthetic plans + Ballerup" "sqlite://$WORK/big/klimaspor.db" "$WORK/big"
if [ -n "${KLIMASPOR_BENCH_POSTGRES_URL:-}" ]; then
  run_backend "PostgreSQL, Ballerup database" "$KLIMASPOR_BENCH_POSTGRES_URL" "$WORK/pg"
fi
echo "Durable-write limit (bare SQLite insert+commit, WAL, synchronous=FULL, same disk): $(target/release/examples/fsync_baseline "$WORK" "$SECS") commits/s." >> "$OUT"
cat "$OUT"

#!/usr/bin/env bash
# Load, scale and durability measurements on loopback (wrk from Debian's packages).
#
#   bench/load.sh [seconds per measurement]      # writes bench/results/load-<date>.md
#
# For SQLite and PostgreSQL, each with the Ballerup database and with 98 synthetic plans
# (bench-data, ~1M progress updates): requests/s and p50/p99 latency at 1, 16 and 64
# connections for the plan listing, one measure, the overdue sub-goals, the web site's dashboard
# and a measure page (gzip accepted, beside the reference serving the same bytes), and durable
# progress updates with If-Match; what a first and a repeat visit to the dashboard transfer
# in headless Chromium (bench/weight.py); report generation per kind (with page counts; and once more for the
# Ballerup plan alone with the ten years of history it has in the large database, so that the
# large database's report times compare the same report); the server's peak RSS. Beside them, the
# reference limits: the same listing bytes served from memory by a minimal actix-web handler,
# and for writes a bare SQLite insert-and-commit loop on the same disk.
#
# PostgreSQL: a throwaway cluster (initdb + pg_ctl, default durability settings) is started
# when the server binaries are installed, or KLIMASPOR_BENCH_POSTGRES_URL names a server whose
# user may create databases. BENCH_NO_POSTGRES=1 skips it; BENCH_PLANS=N changes the 98.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-5}
PLANS=${BENCH_PLANS:-98}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
KLIMASPOR_PACK_RELOCATIONS=1 cargo build --release --locked --bin klimaspor --example reference_server --example fsync_baseline
BIN=target/release/klimaspor
REF=target/release/examples/reference_server
WORK=$(mktemp -d)
chmod 755 "$WORK"
OUT=bench/results/load-$(date +%Y-%m-%d-%H%M).md
mkdir -p bench/results
PIDS=()
PG_STOP=""
cleanup() {
  for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$PG_STOP" ]; then eval "$PG_STOP" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() { for _ in $(seq 1 600); do curl -fs "$1/readyz" >/dev/null 2>&1 && return; sleep 0.1; done; echo "not ready: $1"; exit 1; }
to_ms() { # "1.23ms" / "456.00us" / "1.02s" → milliseconds
  awk -v v="$1" 'BEGIN { n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /ms$/) n=n; else if (v ~ /s$/) n*=1000; printf "%.2f", n }'
}
# wrk URL CONNECTIONS [extra args…] → "rps p50 p99 non2xx"
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
metric() { curl -fs "$1/metrics" | awk -v m="$2" '$1==m {print $2}'; }

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- sh -c "$1"; else sh -c "$1"; fi; }
# Start a throwaway PostgreSQL cluster; sets PG_BASE (URL without database).
start_pg() {
  if [ -n "${KLIMASPOR_BENCH_POSTGRES_URL:-}" ]; then PG_BASE=${KLIMASPOR_BENCH_POSTGRES_URL%/*}; return 0; fi
  [ "${BENCH_NO_POSTGRES:-}" = 1 ] && return 1
  local bindir; bindir=$(pg_config --bindir 2>/dev/null || true)
  [ -x "$bindir/initdb" ] || bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$bindir" ] && [ -x "$bindir/initdb" ] || return 1
  local dir="$WORK/pg" p; p=$(port)
  mkdir -p "$dir"; chmod 777 "$dir"
  as_pg "'$bindir/initdb' -D '$dir/data' -U postgres --auth=trust -E UTF8 >'$dir/initdb.log' 2>&1" || return 1
  as_pg "'$bindir/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -o \"-p $p -k '$dir' -c listen_addresses=127.0.0.1 -c max_connections=200\" start" >/dev/null || return 1
  PG_STOP="as_pg \"'$bindir/pg_ctl' -D '$dir/data' -m fast stop\""
  PG_BASE="postgres://postgres@127.0.0.1:$p"
  PG_VERSION=$("$bindir/postgres" --version)
}
create_db() { psql "$PG_BASE/postgres" -qc "CREATE DATABASE $1" >/dev/null; echo "$PG_BASE/$1"; }

{
  echo "# Load results $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $SECS s per measurement; wrk $(wrk --version 2>&1 | head -1 | awk '{print $2}'); release build of $(git rev-parse --short HEAD)."
  echo
} > "$OUT"

# The three reports through the preview endpoint, one connection: a table.
reports() { # BASE_URL
  echo "| report (GET …/reports/KIND.pdf, 1 connection) | requests/s | p50 ms | p99 ms | pages |" >> "$OUT"
  echo "|---|---:|---:|---:|---:|" >> "$OUT"
  for r in "ugo-status.pdf?period=2026-H2" "green-accounts.pdf?period=2026" "council-annual.pdf?period=2026"; do
    read -r rps p50 p99 _ <<<"$(measure "$1/api/v1/plans/ballerup/reports/$r" 1)"
    local pages; pages=$(curl -fs "$1/api/v1/plans/ballerup/reports/$r" | python3 -c 'import re,sys; print(len(re.findall(rb"/Type\s*/Page(?!s)", sys.stdin.buffer.read())))' 2>/dev/null)
    echo "| ${r%%\?*} | $rps | $p50 | $p99 | ${pages:-?} |" >> "$OUT"
  done
  echo >> "$OUT"
}

# The web pages as a browser asks for them (gzip accepted), beside the reference server
# serving the same compressed bytes from memory.
pages() { # BASE_URL
  echo "| page (Accept-Encoding: gzip) | connections | requests/s | p50 ms | p99 ms | reference requests/s: mean (before, after) | share of reference |" >> "$OUT"
  echo "|---|---:|---:|---:|---:|---:|---:|" >> "$OUT"
  for path in "/ballerup" "/ballerup/tiltag/12"; do
    curl -fs -H 'Accept-Encoding: gzip' "$1$path" > "$WORK/page.gz"
    local rp; rp=$(port)
    "$REF" "$rp" "$WORK/page.gz" & local refpid=$!; PIDS+=("$refpid")
    sleep 0.5
    for c in 1 16 64; do
      local ref1 ref2
      read -r ref1 _ _ _ <<<"$(measure "http://127.0.0.1:$rp/" "$c")"
      read -r rps p50 p99 non2xx <<<"$(measure "$1$path" "$c" -H 'Accept-Encoding: gzip')"
      read -r ref2 _ _ _ <<<"$(measure "http://127.0.0.1:$rp/" "$c")"
      local ref share
      ref=$(awk -v a="$ref1" -v b="$ref2" 'BEGIN { printf "%.0f (%.0f, %.0f)", (a+b)/2, a, b }')
      share=$(awk -v a="$rps" -v b="$ref1" -v c="$ref2" 'BEGIN { printf "%.0f %%", 200*a/(b+c) }')
      echo "| GET $path ($(wc -c < "$WORK/page.gz") B gzipped; non-2xx: $non2xx) | $c | $rps | $p50 | $p99 | $ref | $share |" >> "$OUT"
    done
    kill "$refpid"
  done
  echo >> "$OUT"
  search_misses "$1"
  if [ -x /usr/bin/chromium ] && python3 -c 'import selenium' 2>/dev/null; then
    python3 bench/weight.py "$1/ballerup" >> "$OUT" || echo "page weight: bench/weight.py failed" >> "$OUT"
    echo >> "$OUT"
  fi
}

# The search page uncached: 40 distinct queries one after another, each a cache miss (the
# database's full-text query, the found texts read, ranked and the page built).
search_misses() { # BASE_URL
  local words=(ladestandere energimærkningen cykelstier solceller varmepumper fjernvarme affald
    bygninger elbiler træer regnvand skolerne borgerne virksomheder transport energi kommunen
    indkøb klimatilpasning biodiversitet)
  local times=() q
  for q in "${words[@]}" "${words[@]/%/ kommunen}"; do
    times+=("$(curl -fs -o /dev/null -w '%{time_total}' -G --data-urlencode "q=$q" "$1/ballerup/soeg")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1 * 1000 } END {
    printf "Search page, %d distinct queries uncached (one connection): median %.1f ms, slowest %.1f ms.\n\n", NR, t[int((NR + 1) / 2)], t[NR] }' >> "$OUT"
}

# Start the server on DATABASE_URL; sets SERVER_PID and SERVER_BASE.
serve() { # DATABASE_URL DATA_DIR
  local p; p=$(port)
  SERVER_BASE="http://127.0.0.1:$p"
  mkdir -p "$2"
  KLIMASPOR_DATA_DIR=$2 DATABASE_URL=$1 KLIMASPOR_BIND=127.0.0.1:$p KLIMASPOR_NO_SCHEDULER=true \
    RUST_LOG=warn "$BIN" serve > "$WORK/server-$p.log" 2>&1 &
  SERVER_PID=$!; PIDS+=("$SERVER_PID")
  wait_ready "$SERVER_BASE"
}

# Reports only: for the Ballerup plan alone with the synthetic history that it has in the large
# database, so that the large database's report times compare the same report.
run_reports() { # NAME DATABASE_URL DATA_DIR
  serve "$2" "$3"
  { echo "## $1"; echo; } >> "$OUT"
  reports "$SERVER_BASE"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
}

run_backend() { # NAME DATABASE_URL DATA_DIR
  local name=$1 url=$2 data=$3
  serve "$url" "$data"
  local base=$SERVER_BASE pid=$SERVER_PID
  local token; token=$(KLIMASPOR_DATA_DIR=$data DATABASE_URL=$url "$BIN" token create --role admin --name load 2>/dev/null | tail -1)
  curl -fs "$base/api/v1/plans/ballerup/measures" > "$WORK/measures.json"
  {
    echo "## $name"
    echo
    echo "| request | connections | requests/s | p50 ms | p99 ms | reference requests/s: mean (before, after) | share of reference |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
  } >> "$OUT"
  local rp; rp=$(port)
  "$REF" "$rp" "$WORK/measures.json" & local refpid=$!; PIDS+=("$refpid")
  sleep 0.5
  for path in "/api/v1/plans/ballerup/measures" "/api/v1/plans/ballerup/measures/12" "/api/v1/plans/ballerup/subgoals?overdue=true"; do
    for c in 1 16 64; do
      local ref="" share="" ref1 ref2
      # The reference is measured right before and right after the server, and the share is
      # taken of their mean: this machine's speed drifts between consecutive runs.
      [ "$path" = "/api/v1/plans/ballerup/measures" ] && read -r ref1 _ _ _ <<<"$(measure "http://127.0.0.1:$rp/" "$c")"
      read -r rps p50 p99 _ <<<"$(measure "$base$path" "$c")"
      if [ "$path" = "/api/v1/plans/ballerup/measures" ]; then
        read -r ref2 _ _ _ <<<"$(measure "http://127.0.0.1:$rp/" "$c")"
        ref=$(awk -v a="$ref1" -v b="$ref2" 'BEGIN { printf "%.0f (%.0f, %.0f)", (a+b)/2, a, b }')
        share=$(awk -v a="$rps" -v b="$ref1" -v c="$ref2" 'BEGIN { printf "%.0f %%", 200*a/(b+c) }')
      fi
      echo "| GET ${path} | $c | $rps | $p50 | $p99 | ${ref:-–} | ${share:-–} |" >> "$OUT"
    done
  done
  kill "$refpid"
  echo >> "$OUT"
  pages "$base"
  reports "$base"
  echo "| request | connections | requests/s | p50 ms | p99 ms | reference requests/s | writes per commit |" >> "$OUT"
  echo "|---|---:|---:|---:|---:|---:|---:|" >> "$OUT"
  # Sub-goal ids of the Ballerup plan (the first 80 that are not dropped).
  local ids; ids=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(",".join([str(g["id"]) for m in d["items"] for g in m["sub_goals"] if g["status"]!="dropped"][:80]))' "$WORK/measures.json")
  for c in 1 16 64; do
    local c0 w0; c0=$(metric "$base" klimaspor_sqlite_group_commits); w0=$(metric "$base" klimaspor_sqlite_group_commit_writes)
    read -r rps p50 p99 non2xx <<<"$(TOKEN=$token NTHREADS=$c IDS=$ids measure "$base" "$c" -t"$c" -s bench/progress.lua)"
    local per=""
    if [ -n "$c0" ]; then
      local c1 w1; c1=$(metric "$base" klimaspor_sqlite_group_commits); w1=$(metric "$base" klimaspor_sqlite_group_commit_writes)
      per=$(awk -v a="$((w1 - w0))" -v b="$((c1 - c0))" 'BEGIN { if (b>0) printf "%.1f", a/b }')
    fi
    echo "| POST progress (If-Match; non-2xx: $non2xx) | $c | $rps | $p50 | $p99 | see below | ${per:-–} |" >> "$OUT"
  done
  echo >> "$OUT"
  echo "Peak RSS of the server: $(awk -v k="$(rss_kb "$pid")" 'BEGIN { printf "%.1f", k / 1024 }') MB (VmHWM). At the end: $(awk '/RssAnon|RssFile/ { printf "%s %.1f MB ", $1, $2 / 1024 }' "/proc/$pid/status")(RssFile: the binary and libraries mapped from disk)." >> "$OUT"
  echo >> "$OUT"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

fill() { # DATABASE_URL DATA_DIR [SYNTHETIC_PLANS]
  mkdir -p "$2"
  local started=$SECONDS n=${3:-$PLANS}
  KLIMASPOR_DATA_DIR=$2 DATABASE_URL=$1 "$BIN" bench-data --plans "$n" --years 10 > "$WORK/bench-data.json"
  echo "bench-data ($n synthetic plans, 10 years): $(tr -d '\n ' < "$WORK/bench-data.json") in $((SECONDS - started)) s." >> "$OUT"
  echo >> "$OUT"
}

run_backend "SQLite, Ballerup database" "sqlite://$WORK/ballerup/klimaspor.db" "$WORK/ballerup"
fill "sqlite://$WORK/big/klimaspor.db" "$WORK/big"
run_backend "SQLite, $PLANS synthetic plans + Ballerup" "sqlite://$WORK/big/klimaspor.db" "$WORK/big"
fill "sqlite://$WORK/history/klimaspor.db" "$WORK/history" 0
run_reports "SQLite, Ballerup alone with the same ten years of history (bench-data --plans 0)" "sqlite://$WORK/history/klimaspor.db" "$WORK/history"
if start_pg; then
  echo "PostgreSQL: ${PG_VERSION:-$PG_BASE} (its own memory is not in the RSS figures)." >> "$OUT"
  echo >> "$OUT"
  run_backend "PostgreSQL, Ballerup database" "$(create_db bench_ballerup)" "$WORK/pg-ballerup"
  url=$(create_db bench_big)
  fill "$url" "$WORK/pg-big"
  run_backend "PostgreSQL, $PLANS synthetic plans + Ballerup" "$url" "$WORK/pg-big"
  url=$(create_db bench_history)
  fill "$url" "$WORK/pg-history" 0
  run_reports "PostgreSQL, Ballerup alone with the same ten years of history (bench-data --plans 0)" "$url" "$WORK/pg-history"
else
  echo "PostgreSQL: not measured (no server binaries, BENCH_NO_POSTGRES=1, or no KLIMASPOR_BENCH_POSTGRES_URL)." >> "$OUT"
  echo >> "$OUT"
fi
read -r fs_rate fs_p50 fs_p99 fs_max <<<"$(target/release/examples/fsync_baseline "$WORK" "$SECS")"
echo "Durable-write limit (bare SQLite insert+commit, WAL, synchronous=FULL, same disk): $fs_rate commits/s; one commit p50 $fs_p50 ms, p99 $fs_p99 ms, slowest $fs_max ms." >> "$OUT"
cat "$OUT"

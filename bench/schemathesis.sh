#!/usr/bin/env bash
# Property-based API tests with schemathesis (PyPI) over the complete OpenAPI document, once
# per role (anonymous, reader, owner, admin): no 5xx, every status and content type as
# documented (errors are application/problem+json). Bounded, so it fits in CI.
#
#   bench/schemathesis.sh [path/to/klimaspor] [max examples per operation]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/debug/klimaspor}
EXAMPLES=${2:-25}
DIR=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export KLIMASPOR_DATA_DIR="$DIR" KLIMASPOR_BIND="127.0.0.1:$PORT" KLIMASPOR_NO_SCHEDULER=true RUST_LOG=warn
unset DATABASE_URL
token() { "$BIN" token create "$@" 2>/dev/null | tail -1; }
"$BIN" migrate >/dev/null
ADMIN=$(token --role admin --name Schemathesis-admin)
READER=$(token --role reader --name Schemathesis-reader)
OWNER=$(token --role owner --name Schemathesis-owner --measure 1 --measure 14 --email owner@ballerup.example)
"$BIN" serve > "$DIR/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
status=0
for role in anonymous reader owner admin; do
  case $role in
    anonymous) auth=() ;;
    reader) auth=(-H "Authorization: Bearer $READER") ;;
    owner) auth=(-H "Authorization: Bearer $OWNER") ;;
    admin) auth=(-H "Authorization: Bearer $ADMIN") ;;
  esac
  echo "== schemathesis as $role"
  schemathesis run "http://127.0.0.1:$PORT/api/v1/openapi.json" --url "http://127.0.0.1:$PORT" \
    "${auth[@]}" --max-examples "$EXAMPLES" --seed 20261127 \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    || status=1
done
if grep -Eq 'status=5[0-9]{2}' "$DIR/server.log" 2>/dev/null; then
  echo "server logged 5xx responses"; status=1
fi
exit $status

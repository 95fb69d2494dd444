#!/usr/bin/env bash
# `make fuzz`: schemathesis against a live server on SQLite (a fresh temporary database with the small demo city),
# once as a demo owner and once as city staff. Every operation published in /api/v1/openapi.json is exercised —
# routers added later are covered without changing this script. Fails unless schemathesis reports no server error
# (5xx) and no response outside the published schema.
#   FUZZ_EXAMPLES  test cases per operation and phase (default 12)     FUZZ_WORKERS  parallel requests (default 2)
set -euo pipefail
VENV="${VENV:-.venv}"; PY="$VENV/bin/python"
EXAMPLES="${FUZZ_EXAMPLES:-12}"; WORKERS="${FUZZ_WORKERS:-2}"; SEED="${FUZZ_SEED:-1}"
work="$(mktemp -d "${TMPDIR:-/tmp}/pmip-fuzz.XXXXXX")"
export PMIP_VAR_DIR="$work" PMIP_ENVIRONMENT=development PMIP_SMS_BACKEND=embedded DEBUG=0
unset DATABASE_URL REDIS_URL
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM

echo "== fuzz: fresh SQLite database in $work"
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py demo_city --scale small --seed 1 --if-empty --no-progress >/dev/null
owner=$("$PY" manage.py dev_session --owner +8613900000001)
staff=$("$PY" manage.py dev_session --staff demo_city)
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$VENV/bin/granian" --interface wsgi --host 127.0.0.1 --port "$port" --workers 1 --blocking-threads 2 \
  --log-level warning config.wsgi:application >"$work/server.log" 2>&1 &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 60); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.5; done

run() {  # run NAME "sessionid=...\ncsrftoken=..."
  local name="$1" session csrf
  session=$(sed -n 's/^sessionid=//p' <<<"$2"); csrf=$(sed -n 's/^csrftoken=//p' <<<"$2")
  echo "== fuzz as $name ($EXAMPLES examples per operation)"
  "$VENV/bin/schemathesis" run "$base/api/v1/openapi.json" \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
    --phases examples,coverage,fuzzing --max-examples "$EXAMPLES" --workers "$WORKERS" --seed "$SEED" \
    --suppress-health-check all --no-shrink --continue-on-failure \
    -H "Cookie: sessionid=$session; csrftoken=$csrf" -H "X-CSRFToken: $csrf" -H "Referer: $base/" \
    --report junit --report-junit-path "${FUZZ_REPORT_DIR:-$work}/fuzz-$name.xml"
}
status=0
run owner "$owner" || status=1
run staff "$staff" || status=1
if grep -q "Traceback" "$work/server.log"; then
  cp "$work/server.log" "${FUZZ_REPORT_DIR:-${TMPDIR:-/tmp}}/pmip-fuzz-server.log"
  echo "== server log has tracebacks (whole log kept in ${FUZZ_REPORT_DIR:-${TMPDIR:-/tmp}}/pmip-fuzz-server.log):"
  grep -B2 -A80 "Traceback" "$work/server.log" | head -400; status=1
fi
exit $status

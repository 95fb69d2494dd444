#!/usr/bin/env bash
# Serve the platform: granian (production WSGI server) in the foreground, the task worker and the scheduler
# beside it. Ctrl-C stops all three.
set -euo pipefail
HOST="${HOST:-127.0.0.1}"; PORT="${PORT:-8000}"; VENV="${VENV:-.venv}"
"$VENV/bin/python" manage.py db_worker >>"${PMIP_VAR_DIR:-var}/worker.log" 2>&1 &
worker=$!
"$VENV/bin/python" manage.py periodic >>"${PMIP_VAR_DIR:-var}/worker.log" 2>&1 &
sweeper=$!
trap 'kill $worker $sweeper 2>/dev/null || true' EXIT INT TERM
echo "task worker and scheduler running (log: ${PMIP_VAR_DIR:-var}/worker.log)"
"$VENV/bin/granian" --interface wsgi --host "$HOST" --port "$PORT" --workers 2 --blocking-threads 4 config.wsgi:application

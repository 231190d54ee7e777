#!/usr/bin/env bash
# The production stack in the foreground, for a trial: gunicorn (deploy/gunicorn.conf.py) and the task worker
# (manage.py run_worker, at lower CPU priority), on the configured database (DATABASE_URL, default the SQLite file
# var/db.sqlite3), listening on 127.0.0.1:$PORT (default 8000). Creates no accounts and loads no demo data: create the
# first administrator with `manage.py createsuperuser`. Ctrl+C stops both. Environment as in deploy/production.env.
# SKIP_SETUP=1 skips the installation check and collectstatic (a checkout already prepared).
set -euo pipefail
cd "$(dirname "$0")/.."
export PORT=${PORT:-8000}
PY=.venv/bin/python

if [ "${SKIP_SETUP:-}" != 1 ]; then
  scripts/setup.sh runtime
  $PY manage.py collectstatic --noinput -v 0
fi
$PY manage.py migrate --noinput -v 0

pids=()
stop() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait; }
trap stop EXIT INT TERM

$PY manage.py run_worker --no-reload &
pids+=($!)
.venv/bin/gunicorn -c deploy/gunicorn.conf.py config.wsgi &
pids+=($!)

echo "预算绩效评价工作台（生产方式试运行）：http://127.0.0.1:$PORT/ · 健康检查 http://127.0.0.1:$PORT/healthz · Ctrl+C 停止"
# Either process ending ends the trial (the trap stops the other).
wait -n

#!/usr/bin/env bash
# One command: set up, migrate, load the demo data, start the background worker and serve
# the app at http://127.0.0.1:8000 on the embedded SQLite database (var/db.sqlite3).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh runtime

export DJANGO_DEBUG=${DJANGO_DEBUG:-false}
PY=.venv/bin/python

$PY manage.py migrate --noinput -v 0
$PY manage.py collectstatic --noinput -v 0
# The seeds as drafts, and the lifecycle evaluations built step by step (evaluations/demo_life.py); every hand-off
# queues the report of its state (the two approved evaluations' final reports first) for the worker below.
$PY manage.py load_demo
# Reports render in the background: the django-tasks database worker (with the heartbeat /healthz reads).
$PY manage.py run_worker --no-reload >var/worker.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM

echo
echo "预算绩效评价工作台已启动：http://127.0.0.1:8000/accounts/login/"
echo "管理后台：http://127.0.0.1:8000/admin/（账号 admin）；按 Ctrl+C 停止。"
echo "注意：演示账号（包括管理员 admin）的密码都是公开的 demo12345，只用于本机演示；生产部署见 README「生产部署」（scripts/serve.sh 和生产环境从不创建演示账号）。"
echo "报告由后台进程生成（日志 var/worker.log）：首次载入演示数据后约一分钟生成全部交接报告，已批准评价的最终报告最先生成。"
$PY manage.py runserver 127.0.0.1:8000 --noreload

"""gunicorn for production (deploy/perf-eval-web.service, scripts/serve.sh): `gunicorn -c deploy/gunicorn.conf.py
config.wsgi`. Environment: PORT (default 8000), GUNICORN_BIND (default 127.0.0.1:$PORT, behind nginx),
WEB_CONCURRENCY (default 2 × CPU cores + 1)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"  # pages are short; report rendering runs in the task worker, not here
timeout = 120  # the longest request: an archive or workbook download of a large evaluation
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then (bounded memory after large exports)
max_requests_jitter = 200
# Django loaded once and shared by the workers: the URLconf and the templates too (config/wsgi.py → operations.warmup)
preload_app = True
forwarded_allow_ips = "127.0.0.1"  # only nginx on this machine may say the request came over HTTPS
accesslog = None  # each request is logged by operations.middleware.RequestLogMiddleware (JSON, with its id)
errorlog = "-"
loglevel = "info"
proc_name = "perf-eval-web"
control_socket_disable = True  # no control socket in the service user's home: systemd manages the process

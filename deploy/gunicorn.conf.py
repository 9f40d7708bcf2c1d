"""gunicorn's configuration for Lernpool: ``gunicorn -c deploy/gunicorn.conf.py config.wsgi``.

The systemd unit (deploy/systemd/lernpool.service) starts it so; the environment can change
the address, the number of workers and the logs (GUNICORN_BIND, GUNICORN_WORKERS,
GUNICORN_ACCESS_LOG). ``systemctl reload lernpool`` sends HUP: gunicorn starts new workers
with the new code and lets the old ones finish their requests (graceful reload).
"""

import multiprocessing
import os

# nginx on the same machine passes requests here; another app server binds its private address.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# Sync workers: each serves one request at a time, so a slow PDF holds one worker, not the
# process. Two per core plus one keeps the cores busy while others wait for PostgreSQL.
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"

# A request that runs longer than this is killed (its worker is restarted). Report PDFs of a
# whole region are built by the task worker, not in a request.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
# On reload and stop, a worker gets this long to finish the request it is serving.
graceful_timeout = 30
# A worker is replaced after this many requests (and a random few more, so they do not all
# restart at once): memory a long-running process gathers is given back.
max_requests = 2000
max_requests_jitter = 200

# Overlong addresses reach the app, which answers them (414) in its own shape; nginx limits
# headers and bodies before that (deploy/nginx/lernpool.conf).
limit_request_line = 8190

# Only nginx on this machine may tell gunicorn that a request came over HTTPS; Django reads
# X-Forwarded-Proto itself (SECURE_PROXY_SSL_HEADER), as nginx sets it.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs to the journal through stdout/stderr, unless a file is named.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
# The client's address as nginx saw it, never a query string (it may hold a search for a name).
access_log_format = '%({x-forwarded-for}i)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'

# gunicornc's control socket is not used; systemd manages the process.
control_socket_disable = True

#!/usr/bin/env bash
# Several Streamlit processes behind nginx on one address, the jobs process and the sandboxes once,
# all on one database (README "More than one app process"). Ctrl+C stops all.
#
#   scripts/run-cluster.sh [N] [PORT]      N app processes (default 2), nginx on PORT (default 8501)
#   scripts/run-cluster.sh --render-only N PORT   only write var/nginx/nginx.conf and check it
#
# The app processes listen on 127.0.0.1:PORT+10 ... PORT+10+N-1; nginx on CESSIO_BIND_ADDRESS
# (default 127.0.0.1). Use PostgreSQL for more than one process (CESSIO_DATABASE_URL): SQLite lets
# one writer at a time, so several processes wait for each other. The mode is the environment's
# (production unless CESSIO_MODE=demo, as `make cluster` sets): production refuses to start with
# the default secret key or demo accounts (docs/security.md).
set -euo pipefail
RENDER_ONLY=0
if [ "${1:-}" = "--render-only" ]; then RENDER_ONLY=1; shift; fi
N=${1:-2}
PORT=${2:-8501}
ADDRESS=${CESSIO_BIND_ADDRESS:-127.0.0.1}
BIN=.venv/bin
VAR=${CESSIO_NGINX_DIR:-$(pwd)/var/nginx}
mkdir -p "$VAR"
command -v nginx >/dev/null 2>&1 || { echo "nginx is not installed: make cluster installs it (Debian package nginx)"; exit 1; }

upstreams=""
for i in $(seq 0 $((N - 1))); do
  upstreams+="        server 127.0.0.1:$((PORT + 10 + i)) max_fails=0;"$'\n'
done
sed -e "s#@VAR@#$VAR#g" -e "s#@ADDRESS@#$ADDRESS#g" -e "s#@PORT@#$PORT#g" deploy/nginx.conf.template \
  | awk -v ups="$upstreams" '{ if ($0 == "@UPSTREAMS@") printf "%s", ups; else print }' >"$VAR/nginx.conf"
nginx -t -q -c "$VAR/nginx.conf" -p "$VAR" 2>/dev/null || nginx -t -c "$VAR/nginx.conf" -p "$VAR"
[ "$RENDER_ONLY" = "1" ] && exit 0

NGINX_PID_FILE="$VAR/nginx.pid"
source "$(dirname "$0")/services.sh"
start_services
# serve.py = app.py plus the routes that set the HttpOnly session cookie
for i in $(seq 0 $((N - 1))); do
  $BIN/streamlit run serve.py --server.port $((PORT + 10 + i)) --server.address 127.0.0.1 \
    >"var/log/app-$i.log" 2>&1 & pids+=($!)
done
nginx -c "$VAR/nginx.conf" -p "$VAR" -g "daemon off;" & pids+=($!)

echo
echo "Cessio ($N app processes behind nginx) is starting at http://${ADDRESS}:${PORT}"
echo "Logs: var/log/ (app-*.log, jobs, sandboxes), var/nginx/error.log. Stop with Ctrl+C."
echo
wait -n "${pids[@]}"

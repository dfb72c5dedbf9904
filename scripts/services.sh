# Sourced by run-all.sh and run-cluster.sh: the processes that run once whatever the number of
# app processes (the postal and bureau sandboxes, the jobs process), and stopping all on exit.
# CESSIO_NO_SANDBOXES=1 / CESSIO_NO_JOBS=1 leave those out (real gateways; jobs run elsewhere).
BIN=${BIN:-.venv/bin}
mkdir -p var/log
pids=()
stop_all() {
  [ -n "${NGINX_PID_FILE:-}" ] && [ -f "$NGINX_PID_FILE" ] && kill "$(cat "$NGINX_PID_FILE")" 2>/dev/null
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap stop_all EXIT INT TERM

start_services() {
  if [ "${CESSIO_NO_SANDBOXES:-0}" != "1" ]; then
    $BIN/cessio sandbox postal --port 8701 >var/log/postal-sandbox.log 2>&1 & pids+=($!)
    $BIN/cessio sandbox bureau --port 8702 >var/log/bureau-sandbox.log 2>&1 & pids+=($!)
  fi
  if [ "${CESSIO_NO_JOBS:-0}" != "1" ]; then
    $BIN/cessio jobs run >var/log/jobs.log 2>&1 & pids+=($!)
  fi
}

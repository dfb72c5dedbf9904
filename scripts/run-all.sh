#!/usr/bin/env bash
# Starts the postal and bureau sandboxes, the jobs process and the Streamlit app; Ctrl+C stops all.
set -euo pipefail
PORT=${1:-8501}
BIN=.venv/bin
mkdir -p var/log
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

$BIN/cessio sandbox postal --port 8701 >var/log/postal-sandbox.log 2>&1 & pids+=($!)
$BIN/cessio sandbox bureau --port 8702 >var/log/bureau-sandbox.log 2>&1 & pids+=($!)
$BIN/cessio jobs run >var/log/jobs.log 2>&1 & pids+=($!)

echo
echo "Cessio is starting at http://127.0.0.1:${PORT}"
echo "Demo logins:"
$BIN/python -c 'from core.demo import demo_user_lines; print("\n".join("  " + l for l in demo_user_lines()))'
echo "Logs: var/log/ (sandboxes, jobs). Stop with Ctrl+C."
echo
$BIN/streamlit run app.py --server.port "$PORT" --server.address 0.0.0.0

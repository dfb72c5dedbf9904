#!/usr/bin/env bash
# Starts the postal and bureau sandboxes, the jobs process and the Streamlit app; Ctrl+C stops all.
set -euo pipefail
PORT=${1:-8501}
# The demo on this computer: only this machine can reach it unless CESSIO_BIND_ADDRESS says
# otherwise (e.g. 0.0.0.0 to show it on the office network; it is plain HTTP with published
# demo passwords, so never on a network you do not trust).
ADDRESS=${CESSIO_BIND_ADDRESS:-127.0.0.1}
# Demo mode, said explicitly: production mode (the default everywhere else) refuses to start
# with the default secret key and the demo accounts (docs/security.md).
export CESSIO_MODE=demo
BIN=.venv/bin
source "$(dirname "$0")/services.sh"
start_services

echo
echo "Cessio is starting at http://${ADDRESS}:${PORT} (demo mode)"
echo "Demo logins:"
$BIN/python -c 'from core.demo import demo_user_lines; print("\n".join("  " + l for l in demo_user_lines()))'
echo "Logs: var/log/ (sandboxes, jobs). Stop with Ctrl+C."
echo
# serve.py = app.py plus the routes that set the HttpOnly session cookie
$BIN/streamlit run serve.py --server.port "$PORT" --server.address "$ADDRESS"

#!/usr/bin/env bash
# Bootstrap teamkit (venv, Python deps, graphviz) and open JupyterLab on the tour notebook, on 127.0.0.1 only.
# Extra arguments go to jupyter lab, e.g. scripts/lab.sh --port 9999
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
scripts/bootstrap.sh
echo "teamkit: starting JupyterLab on 127.0.0.1; open the URL it prints (Ctrl-C stops it)." >&2
exec .venv/bin/jupyter lab --ip=127.0.0.1 --no-browser \
  --ServerApp.root_dir="$here/notebooks" "$@" 01-what-is-failover.ipynb

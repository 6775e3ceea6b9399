#!/usr/bin/env bash
# Bootstrap teamkit (venv, Python deps, graphviz) and open JupyterLab on the course's first notebook, on 127.0.0.1.
# The URL to open (with its token) is printed; it opens notebooks/01-what-is-failover.ipynb.
# Extra arguments go to jupyter lab, e.g. scripts/lab.sh --port 9999
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
scripts/bootstrap.sh

# the widgets' front end ships prebuilt with jupyterlab_widgets; without it every widget shows as an error
if ! .venv/bin/jupyter labextension list 2>&1 | grep -q '@jupyter-widgets/jupyterlab-manager.*enabled'; then
  echo "teamkit: JupyterLab lacks the ipywidgets extension (@jupyter-widgets/jupyterlab-manager);" \
       "reinstall it with: .venv/bin/pip install --force-reinstall 'ipywidgets>=8.1' jupyterlab_widgets" >&2
  exit 1
fi

extra=()
if [ "$(id -u)" = 0 ]; then
  extra+=(--allow-root)
fi
echo "teamkit: starting JupyterLab on 127.0.0.1; open the URL it prints (Ctrl-C stops it)." >&2
exec .venv/bin/jupyter lab --ip=127.0.0.1 --no-browser \
  --ServerApp.root_dir="$here/notebooks" \
  --LabApp.default_url=/lab/tree/01-what-is-failover.ipynb \
  ${extra[@]+"${extra[@]}"} "$@"

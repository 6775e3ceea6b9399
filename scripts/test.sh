#!/usr/bin/env bash
# Run the whole teamkit test suite from a fresh machine: bootstrap (venv, Python deps, graphviz, QEMU, libvirt),
# the one-time libvirt oracle setup, then pytest (unit tests, conformance against real libvirt and QEMU, notebooks).
# Extra arguments go to pytest, e.g. scripts/test.sh -k validate
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
scripts/bootstrap.sh --tests
if [ -x scripts/setup-libvirt-oracle.sh ]; then
  scripts/setup-libvirt-oracle.sh
fi
exec .venv/bin/python -m pytest "$@"

#!/usr/bin/env bash
# Prepare this checkout: system packages (apt), a virtual environment in .venv, and teamkit with its Python dependencies.
# Usage: scripts/bootstrap.sh [--tests]
#   --tests  also install what the test suite needs (real QEMU and libvirt as conformance oracles).
# Safe to run again: it installs only what is missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

want_tests=0
for arg in "$@"; do
  case "$arg" in
    --tests) want_tests=1 ;;
    -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bootstrap: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

say() { printf 'bootstrap: %s\n' "$*" >&2; }

# ---- system packages -------------------------------------------------------------------------------------------------
packages=(graphviz python3-venv)
if [ "$want_tests" = 1 ]; then
  packages+=(qemu-system-x86 libvirt-clients libvirt-daemon-driver-qemu util-linux chromium chromium-driver)
fi

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
else
  say "this is not a Debian or Ubuntu system (no dpkg); install these yourself: ${packages[*]}"
fi

if [ "${#missing[@]}" -gt 0 ]; then
  cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then
    say "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "missing system packages: ${missing[*]}"
    say "teamkit needs root to install them. Run this, then run this script again:"
    printf '\n    sudo sh -c "%s"\n\n' "$cmd" >&2
    exit 1
  fi
fi

# ---- the virtual environment ---------------------------------------------------------------------------------------
python=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    python="$candidate"; break
  fi
done
if [ -z "$python" ]; then
  say "teamkit needs Python 3.11 or newer; none was found on PATH."
  exit 1
fi

venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  say "creating $venv with $($python --version)"
  "$python" -m venv "$venv"
fi

stamp="$venv/.teamkit-installed"
digest="$(cat pyproject.toml scripts/bootstrap.sh | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  say "installing teamkit and its Python dependencies into .venv (log: .venv/pip.log)"
  log="$venv/pip.log"
  if ! { "$venv/bin/python" -m pip install --disable-pip-version-check --upgrade pip &&
         "$venv/bin/python" -m pip install --disable-pip-version-check -e ".[dev]" \
           --config-settings editable_mode=compat; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    say "pip failed; the whole log is in $log"
    exit 1
  fi
  echo "$digest" > "$stamp"
fi
say "ready: $venv/bin/teamkit"

#!/usr/bin/env bash
# Regenerate tests/golden/libvirt-11.3/ with libvirt 11.3.0's own test program, tests/qemuxmlconftest.
#
# Usage: conformance/qemuxmlconf/regenerate.sh [--verify-only] [--help]
#   (default)      install build dependencies if missing, fetch + unpack + build libvirt 11.3.0's qemuxmlconftest,
#                  copy the corpus (tests/corpus/argv/*.xml) into its tree, let libvirt decide each case's verdict
#                  for the latest (QEMU 10.0), 7.0.0 and 6.2.0 x86_64 capabilities, regenerate the .args/.err/.xml
#                  files, copy them to tests/golden/libvirt-11.3/, write MANIFEST.json, then run the whole test
#                  program once more without regeneration; fails unless it passes.
#   --verify-only  do not regenerate: put the committed golden files into the libvirt tree as the expected output,
#                  run the whole test program, and fail on any difference (skips the verdict rounds; the
#                  dependencies, the download and the build are the same as for a regeneration).
#
# Environment: TEAMKIT_CACHE  work directory root (default: .cache under the repository; gitignored)
#              JOBS           ninja parallelism (default 2)
# The libvirt source comes from Debian's source package (trixie, libvirt 11.3.0) fetched with apt through a
# private source list; the system's apt configuration is not changed. Safe to run again: every step is skipped
# when its result is already there.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

LIBVIRT_VERSION=11.3.0
LIBVIRT_ORIG=libvirt_${LIBVIRT_VERSION}.orig.tar.xz
# sha256 of libvirt_11.3.0.orig.tar.xz as listed in Debian trixie's Sources index (Checksums-Sha256)
LIBVIRT_ORIG_SHA256=6bcb0c42c4580436fea262ced56f68a6afe20f7390b1bea2116718cc034a0283
DEBIAN_SUITE=trixie
BUILD_DEPS=(meson ninja-build gcc pkg-config libglib2.0-dev libxml2-dev libxml2-utils xsltproc libjson-c-dev
  libnl-3-dev libnl-route-3-dev python3-docutils xz-utils)

mode=regenerate
for arg in "$@"; do
  case "$arg" in
    --verify-only) mode=verify ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "regenerate: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

jobs="${JOBS:-2}"
cache_root="${TEAMKIT_CACHE:-$repo/.cache}"
mkdir -p "$cache_root"
cache_root="$(cd "$cache_root" && pwd)"
work="$cache_root/libvirt-$LIBVIRT_VERSION"
src="$work/src/libvirt-$LIBVIRT_VERSION"
build="$src/build"
mkdir -p "$work"

say() { printf 'regenerate: %s\n' "$*" >&2; }
now() { date +%s.%N; }
t_start="$(now)"
timings=()
phase_start=""
begin() { phase_start="$(now)"; say "$*"; }
end() {
  local secs
  secs="$(awk -v a="$phase_start" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
  timings+=("$(printf '%-28s %7ss' "$1" "$secs")")
  say "  $1: ${secs}s"
}
print_timings() {
  local total
  total="$(awk -v a="$t_start" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
  say "timings:"
  for t in "${timings[@]}"; do printf '  %s\n' "$t" >&2; done
  printf '  %-28s %7ss\n' "total" "$total" >&2
}

if [ -x "$repo/.venv/bin/python" ]; then py="$repo/.venv/bin/python"; else py="$(command -v python3)"; fi

# ---- 1. build dependencies (apt) -------------------------------------------------------------------------------------
begin "checking build dependencies"
missing=()
for p in "${BUILD_DEPS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then
    say "missing build dependencies: ${missing[*]}"
    say "installing them needs root. Run this, then run this script again:"
    printf '\n    sudo sh -c "%s"\n\n' "$cmd" >&2
    exit 1
  fi
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
end "build deps (apt)"

# ---- 2. fetch the Debian source package through a private apt source list ----------------------------------------------
sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$LIBVIRT_ORIG_SHA256" ]; }
begin "fetching $LIBVIRT_ORIG"
dl="$work/download"
if ! sha_ok "$dl/$LIBVIRT_ORIG"; then
  apt_dir="$work/apt"
  mkdir -p "$apt_dir/lists/partial" "$dl"
  echo "deb-src http://deb.debian.org/debian $DEBIAN_SUITE main" >"$apt_dir/sources.list"
  apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o "Debug::NoLocking=1")
  mkdir -p "$apt_dir/cache/archives/partial"
  apt-get "${apt_opts[@]}" -qq update >/dev/null
  apt-cache "${apt_opts[@]}" showsrc libvirt | awk '/^Version:/ && !v { v = $2 } END { print v }' >"$work/debian-source-version"
  # The .dsc and .asc may answer 404 while the tarballs arrive, so apt-get's exit status is not the verdict:
  # the sha256 check below is.
  (cd "$dl" && apt-get "${apt_opts[@]}" -qq source --download-only libvirt >/dev/null 2>&1) || true
  if ! sha_ok "$dl/$LIBVIRT_ORIG"; then
    say "download of $LIBVIRT_ORIG failed or its sha256 is not $LIBVIRT_ORIG_SHA256"
    exit 1
  fi
fi
end "fetch source (apt)"

# ---- 3. unpack ----------------------------------------------------------------------------------------------------------
begin "unpacking"
if [ ! -f "$work/src/.unpacked" ]; then
  rm -rf "$work/src"
  mkdir -p "$work/src"
  tar -xJf "$dl/$LIBVIRT_ORIG" -C "$work/src"
  touch "$work/src/.unpacked"
fi
end "unpack"

# ---- 4. register the corpus in tests/qemuxmlconftest.c and configure ----------------------------------------------------
# The helper patches qemuxmlconftest.c once (an #include of a generated file) and writes the registrations.
"$py" "$here/qemuxmlconf.py" prepare --repo "$repo" --libvirt "$src"

begin "configuring (meson)"
if [ ! -f "$build/build.ninja" ]; then
  rm -rf "$build"  # an interrupted setup leaves a half-configured directory behind
  (cd "$src" && meson setup build -Ddriver_qemu=enabled -Ddriver_libxl=disabled -Ddriver_lxc=disabled \
    -Ddriver_vbox=disabled -Ddriver_esx=disabled -Ddriver_ch=disabled -Ddriver_openvz=disabled \
    -Ddriver_vmware=disabled -Ddriver_hyperv=disabled -Ddriver_bhyve=disabled -Ddriver_vz=disabled \
    -Ddocs=disabled -Dtests=enabled -Dexpensive_tests=disabled -Dnss=disabled -Dapparmor=disabled \
    -Dselinux=disabled -Dwerror=false >"$work/meson-setup.log" 2>&1) || {
    tail -40 "$work/meson-setup.log" >&2
    say "meson setup failed (full log: $work/meson-setup.log)"
    exit 1
  }
fi
end "configure (meson)"

begin "building tests/qemuxmlconftest and its mocks (ninja -j$jobs)"
"$py" "$here/qemuxmlconf.py" build --repo "$repo" --libvirt "$src" --jobs "$jobs"
end "build qemuxmlconftest"

# ---- 5. verdicts, regeneration, golden files, final check ---------------------------------------------------------------
begin "running qemuxmlconftest ($mode)"
export TEAMKIT_TIMINGS_FILE="$work/phase-timings"
: >"$TEAMKIT_TIMINGS_FILE"
if [ "$mode" = regenerate ]; then
  debver="unknown"
  [ -f "$work/debian-source-version" ] && debver="$(cat "$work/debian-source-version")"
  "$py" "$here/qemuxmlconf.py" regenerate --repo "$repo" --libvirt "$src" --jobs "$jobs" \
    --tarball-sha256 "$LIBVIRT_ORIG_SHA256" --debian-version "$debver"
else
  "$py" "$here/qemuxmlconf.py" verify --repo "$repo" --libvirt "$src" --jobs "$jobs"
fi
while IFS= read -r line; do timings+=("$line"); done <"$TEAMKIT_TIMINGS_FILE"
end "qemuxmlconftest total"

print_timings
say "done ($mode)"

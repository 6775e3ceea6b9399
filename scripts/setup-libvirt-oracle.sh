#!/usr/bin/env bash
# One-time system setup for the real-libvirt conformance oracle (tests/oracle/libvirt.py). Run as root after
# `scripts/bootstrap.sh --tests`, which installs the packages. Safe to run again: it only adds what is missing.
#   - the `libvirt-qemu` system user and group: libvirt's embedded QEMU driver resolves this compiled-in user
#     before it reads the embed root's qemu.conf, so it must exist even though qemu.conf says user="root";
#   - empty directories that the oracle's private mount namespaces use as mount points.
# Usage: scripts/setup-libvirt-oracle.sh
set -euo pipefail

say() { printf 'setup-libvirt-oracle: %s\n' "$*" >&2; }

case "${1:-}" in
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) say "unknown option '$1' (try --help)"; exit 2 ;;
esac

dirs=(/dev/vfio /var/lib/libvirt /var/cache/libvirt /var/log/libvirt /run/libvirt/common /run/libvirt/hostdevmgr)

if [ "$(id -u)" != 0 ]; then
  cmd="getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu;"
  cmd+=" getent passwd libvirt-qemu >/dev/null || useradd --system -g libvirt-qemu -d /var/lib/libvirt"
  cmd+=" -s /usr/sbin/nologin -M libvirt-qemu; mkdir -p ${dirs[*]}"
  say "this needs root. Run:"
  printf '\n    sudo sh -c "%s"\n\n' "$cmd" >&2
  exit 1
fi

if ! getent group libvirt-qemu >/dev/null; then
  say "creating system group libvirt-qemu"
  groupadd --system libvirt-qemu
fi
if ! getent passwd libvirt-qemu >/dev/null; then
  say "creating system user libvirt-qemu"
  useradd --system -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin -M libvirt-qemu
fi
for d in "${dirs[@]}"; do
  if [ ! -d "$d" ]; then
    say "creating $d"
    mkdir -p "$d"
  fi
done

missing=()
for tool in virsh unshare taskset qemu-system-x86_64; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "note: not on PATH yet: ${missing[*]} (run scripts/bootstrap.sh --tests)"
fi
say "ready"

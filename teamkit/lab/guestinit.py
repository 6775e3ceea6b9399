"""The lab guest's ``/init`` (busybox ash), its DHCP hook, and the kernel command line that steers it.

``/init`` loads the modules in ``lib/modules/load-order``, brings up the ``net_failover`` master, pings the QEMU
user-network gateway continuously and prints, on the serial console, one line per fact:

* ``LAB <uptime> <message>``: progress (``insmod virtio_net ok``, ``READY master=eth0``, ``BLOCKED gpe01 …``,
  ``PENDING gpe01 …`` when a blocked hotplug request arrives, ``UNBLOCKED gpe01 …``, ``SETTLED``);
* ``NET <uptime> eth0[virtio_net,<mac>,up,lowers=eth1+eth2,rx=9,tx=16] eth1[…,master=eth0,…] … active=eth2``:
  the topology every ``lab.period`` seconds; ``active`` is the slave whose TX counter grew most since the last
  line (``-`` when none did);
* ``PING <uptime> <busybox ping output line>``.

The kernel's own lines (``[    5.03] …``) interleave with these; :mod:`teamkit.lab.console` parses all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

__all__ = ["APPLETS", "GATEWAY", "INIT_SCRIPT", "UDHCPC_SCRIPT", "BlockHow", "GuestMode", "kernel_cmdline"]

#: the QEMU user-network (slirp) gateway, which answers ping on both hosts
GATEWAY: Final = "10.0.2.2"

GuestMode = Literal["full", "nofailover"]
BlockHow = Literal["none", "disable", "mask"]

#: applets linked when ``busybox --list`` cannot run on the build host; ``/init`` needs only these
APPLETS: Final = ("cat", "echo", "insmod", "ip", "ls", "lsmod", "mkdir", "mount", "ping", "ps", "sh", "sleep",
                  "udhcpc", "uname")

INIT_SCRIPT: Final = r"""#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

log() { read UP _ < /proc/uptime; echo "LAB $UP $*"; }

MODE=full PERIOD=0.5 PING=10.0.2.2 GPE=01 BLOCK=none SLOW=0
for w in $(cat /proc/cmdline); do
  case "$w" in
    lab.mode=*) MODE=${w#*=} ;;
    lab.period=*) PERIOD=${w#*=} ;;
    lab.ping=*) PING=${w#*=} ;;
    lab.gpe=*) GPE=${w#*=} ;;
    lab.block=*) BLOCK=${w#*=} ;;
    lab.slow=*) SLOW=${w#*=} ;;
  esac
done
log "START mode=$MODE period=$PERIOD ping=$PING gpe=$GPE block=$BLOCK slow=$SLOW"

while read m; do
  name=${m##*/}; name=${name%.ko}
  case "$MODE:$name" in
    nofailover:failover|nofailover:net_failover|nofailover:virtio_net) log "insmod $name skipped"; continue ;;
  esac
  if err=$(insmod "/lib/modules/$m" 2>&1); then log "insmod $name ok"; else log "insmod $name FAILED: $err"; fi
done < /lib/modules/load-order
ip link set lo up

net_line() {
  read UP _ < /proc/uptime
  line="NET $UP" best=- bestd=0 seen=
  for d in /sys/class/net/*; do
    n=${d##*/}
    [ "$n" = lo ] || [ ! -e "$d/address" ] && continue
    seen=1 drv=virtual
    if [ -e "$d/device" ]; then
      drv=-
      [ -r "$d/device/uevent" ] && while IFS== read k v; do [ "$k" = DRIVER ] && drv=$v; done < "$d/device/uevent"
    fi
    read mac < "$d/address"; read st < "$d/operstate"
    extra= lows=
    for u in "$d"/upper_*; do [ -e "$u" ] && extra="$extra,master=${u##*/upper_}"; done
    for l in "$d"/lower_*; do [ -e "$l" ] && lows="$lows+${l##*/lower_}"; done
    [ -n "$lows" ] && extra="$extra,lowers=${lows#+}"
    read rx < "$d/statistics/rx_packets"; read tx < "$d/statistics/tx_packets"
    line="$line $n[$drv,$mac,$st$extra,rx=$rx,tx=$tx]"
    case "$n" in *[!A-Za-z0-9_]*) continue ;; esac
    case "$extra" in
      *master=*) eval "prev=\${TX_$n:-$tx}"; delta=$((tx - prev))
                 [ "$delta" -gt "$bestd" ] && { bestd=$delta; best=$n; } ;;
    esac
    eval "TX_$n=$tx"
  done
  [ -z "$seen" ] && line="$line (no netdev)"
  echo "$line active=$best"
}
( while :; do net_line; sleep "$PERIOD"; done ) &

M= tries=40 i=0
[ "$MODE" = nofailover ] && tries=4
while [ -z "$M" ] && [ $i -lt $tries ]; do
  for d in /sys/class/net/*; do
    for l in "$d"/lower_*; do [ -e "$l" ] && M=${d##*/}; done
  done
  [ -z "$M" ] && { i=$((i + 1)); sleep 0.25; }
done
if [ -z "$M" ]; then
  for d in /sys/class/net/*; do
    n=${d##*/}
    [ "$n" = lo ] || [ ! -e "$d/address" ] && continue
    for u in "$d"/upper_*; do [ -e "$u" ] && continue 2; done
    M=$n; break
  done
fi
if [ -n "$M" ]; then
  ip link set "$M" up
  if udhcpc -i "$M" -s /udhcpc.sh -q -n -t 4 -T 1 >/dev/null 2>&1; then
    log "udhcpc ok"
  else
    ip addr add 10.0.2.15/24 dev "$M"; ip route add default via 10.0.2.2
    log "udhcpc failed: static 10.0.2.15/24"
  fi
  log "READY master=$M"
  if [ "$PING" != none ]; then
    ( ping -i 0.25 "$PING" 2>&1 | while read -r p; do read UP _ < /proc/uptime; echo "PING $UP $p"; done ) &
  fi
else
  log "READY no netdev"
fi

G=/sys/firmware/acpi/interrupts/gpe$GPE
if [ -r "$G" ]; then read l < "$G"; log "gpe$GPE:$l"; fi
case "$BLOCK" in
  disable|mask)
    if [ -w "$G" ]; then echo "$BLOCK" > "$G"; read l < "$G"; log "BLOCKED gpe$GPE ($BLOCK):$l"
    else log "BLOCK FAILED: no $G"; fi ;;
esac
if [ "$BLOCK" != none ] && [ -w "$G" ]; then
  (
    while :; do read l < "$G"; case "$l" in *STS*) break ;; esac; sleep 0.05; done
    log "PENDING gpe$GPE:$l"
    if [ "$BLOCK" = mask ]; then
      sleep "$SLOW"
      echo unmask > "$G"; read l < "$G"; log "UNBLOCKED gpe$GPE (unmask):$l"
    fi
  ) &
fi
log SETTLED
while :; do sleep 3600; done
"""

UDHCPC_SCRIPT: Final = r"""#!/bin/sh
case "$1" in
  deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    for r in $router; do ip route add default via "$r" dev "$interface"; break; done ;;
esac
exit 0
"""


def kernel_cmdline(*, mode: GuestMode = "full", block: BlockHow = "none", slow_s: float = 0.0,
                   ping: str = GATEWAY, period_s: float = 0.5, extra: Sequence[str] = ()) -> str:
    """The ``-append`` text: serial console, panic → exit, and the ``lab.*`` words ``/init`` reads.

    >>> kernel_cmdline(block="mask", slow_s=4)
    'console=ttyS0 panic=-1 lab.mode=full lab.period=0.5 lab.ping=10.0.2.2 lab.block=mask lab.slow=4'
    """
    words = ["console=ttyS0", "panic=-1", f"lab.mode={mode}", f"lab.period={period_s:g}", f"lab.ping={ping}"]
    if block != "none":
        words.append(f"lab.block={block}")
    if slow_s:
        if block != "mask":
            raise ValueError("a slow eject needs block='mask' (the request is delivered late on unmask)")
        words.append(f"lab.slow={slow_s:g}")
    words.extend(extra)
    return " ".join(words)

"""The real failover lab: a Debian guest under two QEMUs, a live migration recorded as a model-shaped timeline.

Pure modules (no processes, files or sockets): :mod:`~teamkit.lab.cpio`, :mod:`~teamkit.lab.modinfo`,
:mod:`~teamkit.lab.guestinit`, :mod:`~teamkit.lab.image`, :mod:`~teamkit.lab.console`,
:mod:`~teamkit.lab.scenarios`, :mod:`~teamkit.lab.measure`, :mod:`~teamkit.lab.compare`, :mod:`~teamkit.lab.text`.
I/O modules: :mod:`~teamkit.lab.prepare` (apt, dpkg-deb, the image cache), :mod:`~teamkit.lab.channels` (QMP,
serial, stderr readers), :mod:`~teamkit.lab.run` (the two QEMUs).
"""

from __future__ import annotations

__all__: list[str] = []

"""``python -m teamkit``: the same command line as the ``teamkit`` script."""

from __future__ import annotations

import sys

from teamkit.cli import main

if __name__ == "__main__":
    sys.exit(main())

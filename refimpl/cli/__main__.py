"""``python -m refimpl.cli`` is the same as ``mcref``."""

import sys

from refimpl.cli import main

sys.exit(main())

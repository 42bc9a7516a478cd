"""``python -m mediamon.cli``."""

import sys

from mediamon.cli import main

sys.exit(main())

"""``python -m sasref`` is the ``sasref`` command."""

import sys

from sasref.cli import main

sys.exit(main())

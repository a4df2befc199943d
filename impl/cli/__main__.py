"""`python -m impl.cli`: the same as the `cedar` console script."""

import sys

from . import main

sys.exit(main())

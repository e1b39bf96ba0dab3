"""`python -m core.cli`: the command line, as `longread` runs it."""

import sys

from core.cli import main

sys.exit(main())

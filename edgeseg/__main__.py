"""`python -m edgeseg` runs the CLI."""

import sys

from edgeseg.cli import main

sys.exit(main())

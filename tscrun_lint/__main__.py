"""``python -m tscrun_lint`` is ``tscrun-lint``."""

import sys

from tscrun_lint.frontends.cli import main

sys.exit(main())

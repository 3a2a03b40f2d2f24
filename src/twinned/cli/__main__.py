"""``python -m twinned.cli``: the same as the ``twinned`` command."""

import sys

from twinned.cli.main import main

sys.exit(main())

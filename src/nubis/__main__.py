"""``python -m nubis``: the same as the ``nubis`` command."""

import sys

from nubis.cli import main

sys.exit(main())

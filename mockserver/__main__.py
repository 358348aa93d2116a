"""``python -m mockserver`` runs the command line."""

from __future__ import annotations

import sys

from mockserver.cli.main import main

sys.exit(main())

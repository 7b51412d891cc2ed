"""``python -m kechuang.cli``: the same as the ``kechuang`` command."""

import sys

from kechuang.cli import main

sys.exit(main())

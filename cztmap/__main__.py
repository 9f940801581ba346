"""``python -m cztmap``: the same as the ``cztmap`` command."""

from cztmap.cli.app import main

raise SystemExit(main())

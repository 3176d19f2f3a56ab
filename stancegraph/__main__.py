"""``python -m stancegraph``: the same as the ``stancegraph`` command."""

from stancegraph.cli import main

main()

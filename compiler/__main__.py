"""`python -m compiler` is the same as the `dectprov` command."""

from compiler.cli import main

raise SystemExit(main())

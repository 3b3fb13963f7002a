"""`python -m screen` is the same program as `screen`."""

from screen.cli import main

main()

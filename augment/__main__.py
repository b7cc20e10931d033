"""`python -m augment` is the `augment` command."""

from augment.cli import main

main()

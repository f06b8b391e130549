"""The `contactapi` command's subcommands, a module per group (assembled in `cli.py`)."""

"""One module per CLI verb; each has ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``."""

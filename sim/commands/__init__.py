"""One module per ``streetsim`` subcommand; each has ``register(subparsers)``."""

"""The training runner: smoke and full runs of a config, checked against the linter's plan."""

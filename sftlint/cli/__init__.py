"""The ``sftlint`` command line: :mod:`.main` parses the arguments and dispatches to one module per
subcommand (:mod:`.check`, :mod:`.plan`, :mod:`.rules`, :mod:`.schema`, :mod:`.run`, :mod:`.server`),
imported only when that subcommand runs."""

"""Linting: the rule API (:mod:`.rule`), the findings rules report (:mod:`.findings`), the engine
that lints one file (:mod:`.engine`), fixes (:mod:`.edits`, :mod:`.fixer`), which rules run
(:mod:`.selection`), suppressions, the worker pool, and the :class:`~.session.Session` every front
end (command line, pytest, language server, runner) lints through."""

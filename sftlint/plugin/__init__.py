"""Plugins (pluggy): the hooks a plugin implements (:mod:`.hookspecs`), loading the built-in and
third-party ones through the same door (:mod:`.loading`, :mod:`.index`), and calling their code so
nothing it does can take a run down (:mod:`.calls`). A run with only sftlint's own plugins uses a
small manager of its own (:mod:`.builtin_manager`, with pluggy's :mod:`.markers`) instead of
importing pluggy."""

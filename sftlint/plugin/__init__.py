"""Plugins (pluggy): the hooks a plugin implements (:mod:`.hookspecs`), loading the built-in and
third-party ones through the same door (:mod:`.loading`, :mod:`.index`), and calling their code so
nothing it does can take a run down (:mod:`.calls`)."""

"""sftlint inside pytest: the ``pytest11`` plugin (:mod:`.plugin`) and ``pytest --sftlint``, which
makes every training config a test item (:mod:`.lint`)."""

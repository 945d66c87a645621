"""``sftlint server``: the linter in the editor, over the Language Server Protocol (stdio).

Diagnostics as the buffer is edited, fixes as code actions, the plan's figures in hovers and a
summary on the first line, and completion of each dialect's keys, all from the engine that
``sftlint check`` runs. Needs the ``server`` extra (pygls); nothing else in sftlint imports it.
"""

"""sftlint's own settings: ``[tool.sftlint]`` found and resolved per file (:mod:`.resolver`), typed
options (:mod:`.options`), the ranges numbers must fall in (:mod:`.bounds`), and the TOML lines a
settings error points at (:mod:`.toml_lines`)."""

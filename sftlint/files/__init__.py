"""Files as a stranger's repository holds them: which ones to lint (:mod:`.discovery`,
:mod:`.gitignore`), reading them safely and boundedly (:mod:`.reading`, :mod:`.safe_paths`), and
recording what a lint read so a cached result can be trusted (:mod:`.inputs`)."""

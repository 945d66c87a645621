"""The built-in rule families. Each family is a plugin registered through the ``sftlint`` entry
point group, exactly as a third-party plugin would be, and imports its rules only when asked."""

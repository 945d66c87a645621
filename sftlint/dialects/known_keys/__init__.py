"""Lists of the keys each built-in tool accepts (see README.md here for where each was read)."""

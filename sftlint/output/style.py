"""ANSI colours for terminal output; callers pass ``color=False`` when not on a TTY."""

_CODES = {"bold": "1", "red": "31", "yellow": "33", "cyan": "36", "dim": "2", "green": "32", "blue": "34"}


def paint(text: str, style: str, color: bool) -> str:
    if not color:
        return text
    return f"\x1b[{_CODES[style]}m{text}\x1b[0m"

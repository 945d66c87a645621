"""Write the hook reference of docs/plugins.md from sftlint/plugin/hookspecs.py.

The hook docstrings are the one source: this script renders them as Markdown between the two
marker comments of docs/plugins.md, leaving the rest of the page as written. A test runs
:func:`render` and fails when the page is stale; ``python scripts/plugin_docs.py`` rewrites it.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

START = "<!-- hooks: generated from sftlint/plugin/hookspecs.py by scripts/plugin_docs.py; do not edit -->"
END = "<!-- end of hooks -->"
PAGE = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"

_ROLE = re.compile(r":(?:class|func|meth|attr|data|mod):`~?([^`]+)`")
_FIELD = re.compile(r"^:(param (\w+)|returns?):\s*(.*)$")


def markdown(text: str) -> str:
    """reST inline markup of the docstrings, as Markdown."""
    return _ROLE.sub(r"`\1`", text).replace("``", "`")


def _banners(source: str) -> list[tuple[int, str]]:
    """(line, text) of each ``# ----`` banner comment, the text without the dashes."""
    out, lines, i = [], source.splitlines(), 0
    while i < len(lines):
        if lines[i].startswith("# ---"):
            j = i + 1
            text = []
            while j < len(lines) and lines[j].startswith("#") and not lines[j].startswith("# ---"):
                text.append(lines[j].lstrip("#").strip())
                j += 1
            out.append((i + 1, " ".join(text)))
            i = j + 1
        else:
            i += 1
    return out


def _hook(name: str, function) -> str:
    spec = getattr(function, "sftlint_spec", {}) or {}
    params = ", ".join(inspect.signature(function).parameters)
    body, fields, current = [], [], None
    for line in inspect.getdoc(function).splitlines():
        match = _FIELD.match(line)
        if match:
            label = f"`{match.group(2)}`" if match.group(2) else "Returns"
            current = [f"- **{label}**: {match.group(3)}"]
            fields.append(current)
        elif current is not None and line.startswith("    "):
            current.append(line.strip())
        else:
            current = None
            body.append(line)
    out = [f"### `{name}({params})`", "", markdown("\n".join(body).strip())]
    if spec.get("firstresult") and "firstresult" not in inspect.getdoc(function):
        out += ["", "*firstresult*: the first implementation that returns something other than None decides."]
    if fields:
        out += [""] + [markdown(" ".join(f)) for f in fields]
    return "\n".join(out)


def render() -> str:
    """The generated part of the page, markers included."""
    from sftlint.plugin import hookspecs

    source = inspect.getsource(hookspecs)
    banners = _banners(source)
    hooks = sorted(((fn.__code__.co_firstlineno, name, fn) for name, fn in vars(hookspecs).items()
                    if name.startswith("sftlint_") and callable(fn)))
    parts, shown = [START, ""], None
    for line, name, fn in hooks:
        banner = next((text for at, text in reversed(banners) if at < line), None)
        if banner and banner != shown:
            title, _, rest = banner.partition(":")
            rest = rest.strip()
            parts += [f"## {title.strip()}", "", rest[:1].upper() + rest[1:], ""]
            shown = banner
        parts += [_hook(name, fn), ""]
    return "\n".join(parts + [END])


def page_with(generated: str, page: str) -> str:
    before, _, rest = page.partition(START)
    _, _, after = rest.partition(END)
    return before + generated + after


if __name__ == "__main__":
    text = PAGE.read_text(encoding="utf-8")
    new = page_with(render(), text)
    if "--check" in sys.argv[1:]:
        sys.exit(0 if new == text else 1)
    PAGE.write_text(new, encoding="utf-8")

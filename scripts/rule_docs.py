"""Write docs/rules.md from the registered built-in rules.

The rule docstrings are the one source: an index table per family (code, name, default severity,
fix availability, summary), then each rule's documentation as ``sftlint rule CODE`` prints it
(:func:`sftlint.lint.rule_docs.render_rule`). ``python scripts/rule_docs.py`` rewrites the page;
``--check`` exits 1 when it is stale. A test compares :func:`render` with the committed page.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
#: Family prefixes in the order the page shows them.
FAMILIES = ("HP", "SC", "WS", "QL", "KT", "MD", "TV", "YM", "SEC", "MEM")
HEADER = """\
# Rules

<!-- generated from the rule docstrings by scripts/rule_docs.py; do not edit -->

Every built-in rule, by family. `sftlint rule CODE` prints the same text for one rule; options are
set per rule under `[tool.sftlint.rules.CODE]` (or the rule's name). Fix: whether `sftlint check
--fix` can rewrite the config (always, sometimes, or never: `-`).
"""


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def _family_doc(rule) -> tuple[str, str]:
    """(title, description) from the docstring of the rule's family package: the title is the
    first line up to its colon, the description the whole first paragraph."""
    package = sys.modules[rule.__module__.rpartition(".")[0]]
    paragraph = (package.__doc__ or rule.family()).strip().split("\n\n")[0]
    title = paragraph.splitlines()[0].partition(":")[0].strip()
    return title, " ".join(paragraph.split())


def render() -> str:
    from sftlint.plugin.loading import build_registry
    from sftlint.lint.rule_docs import render_rule

    rules = [r for r in build_registry().rules.values() if r.__module__.startswith("sftlint.")]
    families = {f: sorted((r for r in rules if r.family() == f), key=lambda r: r.code) for f in FAMILIES}
    stray = sorted(r.code for r in rules if r.family() not in FAMILIES)
    if stray:
        raise SystemExit(f"rules of no known family: {', '.join(stray)}; add the family to FAMILIES")
    index, sections = ["## Index", ""], []
    for members in families.values():
        if not members:
            continue
        title, description = _family_doc(members[0])
        index += [f"[{title}](#{_anchor(title)})", "",
                  "| Code | Name | Severity | Fix | Summary |", "| --- | --- | --- | --- | --- |"]
        sections += [f"## {title}", "", description, ""]
        for r in members:
            fix = r.fix_availability.value if r.fix_availability.value != "none" else "-"
            link = _anchor(f"{r.name} ({r.code})")
            index.append(f"| [{r.code}](#{link}) | {r.name} | {r.severity} | {fix} | {r.summary().replace('|', '&#124;')} |")
            # the short anchor is the one findings link to (their "url" ends in #code)
            sections += [f'<a id="{r.code.lower()}"></a>', "", render_rule(r, level=3)]
        index.append("")
    index_e, sections_e = _errors()
    return "\n".join([HEADER, *index, *index_e, *sections, *sections_e]).rstrip("\n") + "\n"


def _errors() -> tuple[list[str], list[str]]:
    """The index table and sections of the ``E`` codes (not rules, documented alike)."""
    import sftlint.lint.error_codes as errors
    from sftlint.lint.rule_docs import render_rule

    paragraph = errors.__doc__.strip().split("\n\n")[0]
    title = paragraph.splitlines()[0].partition(":")[0].strip()
    index = [f"[{title}](#{_anchor(title)})", "", "| Code | Name | Severity | Fix | Summary |", "| --- | --- | --- | --- | --- |"]
    sections = [f"## {title}", "", " ".join(paragraph.split()), ""]
    for e in errors.ERRORS:
        index.append(f"| [{e.code}](#{_anchor(f'{e.name} ({e.code})')}) | {e.name} | {e.severity} | - | "
                     f"{e.summary().replace('|', '&#124;')} |")
        sections += [f'<a id="{e.code.lower()}"></a>', "", render_rule(e, level=3)]
    return [*index, ""], sections


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv[1:]:
        current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
        if current != text:
            print(f"{PAGE.name} is stale: run python scripts/rule_docs.py", file=sys.stderr)
            sys.exit(1)
        sys.exit(0)
    PAGE.write_text(text, encoding="utf-8")

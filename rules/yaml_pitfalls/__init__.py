"""YAML pitfalls (YM): values that a YAML 1.1 loader reads differently from what was meant."""

from sftlint import hookimpl


@hookimpl
def sftlint_rules():
    from .number_read_as_string import NumberReadAsString

    return [NumberReadAsString]

"""YAML pitfalls (YM): values that a YAML 1.1 loader reads differently from what was meant, and keys
written twice."""

from sftlint import hookimpl


@hookimpl
def sftlint_rules():
    from .duplicate_key import DuplicateKey
    from .number_read_as_string import NumberReadAsString
    from .yaml11_boolean import Yaml11Boolean
    from .yaml11_octal import Yaml11Octal

    return [NumberReadAsString, Yaml11Boolean, Yaml11Octal, DuplicateKey]

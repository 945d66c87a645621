"""Keys and types (KT): keys the tool does not know, keys newer releases removed or renamed, and
values of a kind the key cannot hold, checked against snapshots of the tools' own schemas."""

from sftlint import hookimpl


@hookimpl
def sftlint_rules():
    from .removed_key import RemovedKey
    from .removed_value import RemovedValue
    from .unknown_key import UnknownKey
    from .wrong_type import WrongValueType

    return [UnknownKey, RemovedKey, WrongValueType, RemovedValue]

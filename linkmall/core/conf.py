"""Typed reads of the business settings (settings.LINKMALL), at call time so tests can change them.

settings.LINKMALL mixes numbers and strings, so its values are `object` to a type checker: these
check the type once, here, and say which setting is wrong instead of failing further down.
"""

from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _linkmall_value(name: str, default: object) -> object:
    config: Mapping[str, object] = getattr(settings, "LINKMALL", {})
    return config[name] if default is None else config.get(name, default)


def linkmall_int(name: str, default: int | None = None) -> int:
    """settings.LINKMALL[name], a whole number; without a default the setting must exist."""
    value = _linkmall_value(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ImproperlyConfigured(f"settings.LINKMALL[{name!r}] must be a whole number, not {value!r}.")
    return value


def linkmall_str(name: str, default: str | None = None) -> str:
    """settings.LINKMALL[name], a string; without a default the setting must exist."""
    value = _linkmall_value(name, default)
    if not isinstance(value, str):
        raise ImproperlyConfigured(f"settings.LINKMALL[{name!r}] must be a string, not {value!r}.")
    return value

"""The `linkmall` command: Django's management commands under one name.

`linkmall scenario run FILE` is the management command `scenario` with arguments `run FILE`.
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["linkmall", *(sys.argv[1:] if argv is None else argv)])
    return 0

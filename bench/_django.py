"""Django set-up for the bench's child processes (the orchestrator itself never imports Django)."""

import os


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

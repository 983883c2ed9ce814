"""`linkmall compile_translations`: build the .mo files from the .po files without GNU gettext."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from linkmall.web.i18n import compile_tree


class Command(BaseCommand):
    help = "Compile every locale/*/LC_MESSAGES/*.po into .mo in pure Python (no msgfmt needed)."

    def handle(self, *args, **options):
        for locale_dir in settings.LOCALE_PATHS:
            for mo in compile_tree(Path(locale_dir)):
                self.stdout.write(f"compiled {mo}")

"""`linkmall compile_translations`: build the .mo files from the .po files without GNU gettext."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand

from linkmall.web.i18n import compile_tree


class Command(BaseCommand):
    help = "Compile the site's and every LinkMall app's locale/*/LC_MESSAGES/*.po into .mo in pure Python (no msgfmt)."

    def handle(self, *args, **options):
        app_dirs = [Path(app.path) / "locale" for app in apps.get_app_configs() if app.name.startswith("linkmall.")]
        for locale_dir in [Path(p) for p in settings.LOCALE_PATHS] + [d for d in app_dirs if d.is_dir()]:
            for mo in compile_tree(locale_dir):
                self.stdout.write(f"compiled {mo}")

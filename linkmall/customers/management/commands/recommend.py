"""`linkmall recommend evaluate ...` (offline metrics) and `linkmall recommend refresh ...` (stores)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Recommendations: evaluate item-item against popularity on a CSV, or recompute stores' neighbours."

    def add_arguments(self, parser):
        from linkmall.customers.recommend import command

        sub = parser.add_subparsers(dest="action", required=True)
        command.add_evaluate_arguments(sub.add_parser("evaluate", help="leave-last-out precision@k and nDCG@k"))
        command.add_refresh_arguments(sub.add_parser("refresh", help="recompute item neighbours and popularity"))

    def handle(self, *args, **options):
        from linkmall.customers.recommend import command

        {"evaluate": command.handle_evaluate, "refresh": command.handle_refresh}[options["action"]](self, **options)

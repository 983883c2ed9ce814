"""`linkmall clv fit ...` (from a CSV) and `linkmall clv refresh --merchant ID` (profiles)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Customer lifetime value: fit BG/NBD + Gamma-Gamma on a transactions CSV, or refresh a merchant's profiles."

    def add_arguments(self, parser):
        from linkmall.customers.clv import command

        sub = parser.add_subparsers(dest="action", required=True)
        command.add_fit_arguments(sub.add_parser("fit", help="fit on customer_id,date,amount transactions"))
        command.add_refresh_arguments(sub.add_parser("refresh", help="write CLV on a merchant's profiles"))

    def handle(self, *args, **options):
        from linkmall.customers.clv import command

        {"fit": command.handle_fit, "refresh": command.handle_refresh}[options["action"]](self, **options)

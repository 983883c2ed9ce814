"""`linkmall customers layers --json` and `linkmall customers import FILE`.

Each action lives in its own module; this file only parses and dispatches.
"""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Customer tools: print every customer's layer and scores, or import historical customers and orders."

    def add_arguments(self, parser):
        from linkmall.customers import retention_command
        from linkmall.customers.importing import command as import_command
        from linkmall.customers.scoring import command as layers_command

        sub = parser.add_subparsers(dest="action", required=True)
        layers_command.add_arguments(sub.add_parser("layers", help="print every customer's layer and scores"))
        import_command.add_arguments(
            sub.add_parser("import", help="import historical customers and orders from a CSV or Excel file")
        )
        retention_command.add_arguments(
            sub.add_parser("purge", help="delete tracking data older than each merchant's retention")
        )

    def handle(self, *args, **options):
        from linkmall.customers import retention_command
        from linkmall.customers.importing import command as import_command
        from linkmall.customers.scoring import command as layers_command

        action = {"layers": layers_command, "import": import_command, "purge": retention_command}[options["action"]]
        action.handle(self, **options)

"""`linkmall catalog import --supplier ID FILE`: import a CSV or Excel catalog with a progress bar.

`linkmall catalog template [OUT]` writes the template CSV.
"""

from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from linkmall.catalog.importing import template_csv
from linkmall.catalog.models import ImportJob, Supplier
from linkmall.catalog.services import import_job_run, import_job_store
from linkmall.core.errors import DomainError


class Command(BaseCommand):
    help = "Catalog tools: import a CSV/Excel file for a supplier, or write the import template."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("import", help="import products and SKUs from a .csv or .xlsx file")
        run.add_argument("--supplier", type=int, required=True, help="supplier id")
        run.add_argument("file", type=Path)
        template = sub.add_parser("template", help="write the import template CSV")
        template.add_argument("out", type=Path, nargs="?", default=Path("catalog-template.csv"))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "template":
            options["out"].write_bytes(template_csv())
            self.stdout.write(f"wrote {options['out']}")
            return
        supplier = Supplier.objects.filter(pk=options["supplier"]).first()
        if supplier is None:
            raise CommandError(f"no supplier with id {options['supplier']}")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        with path.open("rb") as handle:
            try:
                job = import_job_store(supplier=supplier, upload=File(handle, name=path.name), enqueue=False)
            except DomainError as exc:
                raise CommandError(exc.message) from None
        with tqdm(total=0, unit="row", disable=options["verbosity"] == 0, file=self.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            ran = import_job_run(job_id=job.pk, progress=progress)
        if ran is None:  # deleted while it ran
            raise CommandError(f"job {job.pk} is gone")
        job = ran
        for problem in job.errors:
            fields = "; ".join(f"{k}: {v}" for k, v in problem["errors"].items())
            self.stdout.write(f"row {problem['row']}: {fields}")
        self.stdout.write(
            f"job {job.pk} {job.status}: {job.imported_rows} of {job.total_rows} rows imported, "
            f"{len(job.errors)} rows with errors"
        )
        if job.status == ImportJob.Status.FAILED:
            raise CommandError("import failed")

"""`linkmall customers import FILE --merchant ID`: historical customers and orders from CSV or Excel.

Progress goes to stderr; errors, one per line (row, column, message), go to FILE.errors.csv next
to the file, and the summary is printed as one JSON line.
"""

import csv
import json
import sys
from pathlib import Path

from django.core.management.base import CommandError

from linkmall.core import clock


def add_arguments(parser) -> None:
    parser.add_argument("file")
    parser.add_argument("--merchant", type=int, required=True, help="the merchant's id")


def handle(command, **options) -> None:
    from tqdm import tqdm

    from linkmall.customers.importing.reader import ImportFileError, read
    from linkmall.customers.importing.service import import_rows
    from linkmall.stores.models import Merchant

    path = Path(options["file"])
    if not path.is_file():
        raise CommandError(f"No such file: {path}")
    if not Merchant.objects.filter(pk=options["merchant"]).exists():
        raise CommandError(f"No merchant {options['merchant']}")
    try:
        total, rows = read(path, today=clock.today())
        with tqdm(total=total, unit="行", file=sys.stderr, disable=None) as bar:
            report = import_rows(merchant_id=options["merchant"], rows=rows, progress=bar.update)
    except ImportFileError as exc:
        raise CommandError(str(exc)) from None
    summary = report.as_dict()
    if report.errors:
        errors_path = path.with_name(path.name + ".errors.csv")
        with errors_path.open("w", newline="", encoding="utf-8-sig") as out:
            writer = csv.writer(out)
            writer.writerow(["行号", "列", "问题"])
            writer.writerows(report.errors)
        summary["error_report"] = str(errors_path)
        for line, column, message in report.errors[:20]:
            command.stderr.write(f"第 {line} 行 {column}: {message}")
    command.stdout.write(json.dumps(summary, ensure_ascii=False))

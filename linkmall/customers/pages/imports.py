"""Console upload of a customer/order history file, imported while the page shows progress.

The import streams: the page arrives at once with a progress bar that each chunk of rows
advances, then the summary and the per-row errors. Files past WEB_MAX_ROWS belong to the command
(`linkmall customers import`), which has no request timeout.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required
from linkmall.core import clock
from linkmall.customers.crm.access import crm_scope
from linkmall.customers.importing.reader import ImportFileError, read
from linkmall.customers.importing.service import ImportReport, import_row

WEB_MAX_ROWS = 5_000
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
STEP = 50
owner_only = role_required(Role.MERCHANT_OWNER)


@owner_only
def customer_import(request):
    scope = crm_scope(request.user)
    context = {"scope": scope, "nav": "import", "max_rows": WEB_MAX_ROWS}
    if request.method != "POST":
        return render(request, "customers/console/import.html", context)
    upload = request.FILES.get("file")
    error = None
    if upload is None:
        error = _("请选择要导入的文件")
    elif upload.size > MAX_UPLOAD_BYTES:
        error = _("文件超过 5 MB，请用命令行导入")
    if error is None:
        suffix = Path(upload.name).suffix.lower()
        with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as tmp:
            for chunk in upload.chunks():
                tmp.write(chunk)
        path = Path(tmp.name)
        try:
            total, rows = read(path, today=clock.today())
            if total > WEB_MAX_ROWS:
                error = _("一次最多导入 %(n)s 行，更大的文件请用命令行导入") % {"n": WEB_MAX_ROWS}
        except ImportFileError as exc:
            error = str(exc)
        finally:
            path.unlink(missing_ok=True)  # read() has the table in memory already
    if error:
        return render(request, "customers/console/import.html", {**context, "error": error}, status=400)
    head, tail = render_to_string("customers/console/import_run.html", {**context, "total": total},
                                  request=request).split("<!--progress-->")

    def stream():
        yield head
        report = ImportReport()
        for row in rows:
            report.rows += 1
            import_row(merchant_id=scope.merchant_id, row=row, report=report)
            if report.rows % STEP == 0:
                yield f"<script>lmImportProgress({report.rows})</script>\n"
        yield f"<script>lmImportProgress({report.rows})</script>\n"
        yield render_to_string("customers/console/_import_result.html", {"report": report})
        yield tail

    response = StreamingHttpResponse(stream(), content_type="text/html; charset=utf-8")
    response["X-Accel-Buffering"] = "no"  # let nginx pass the progress through as it comes
    return response



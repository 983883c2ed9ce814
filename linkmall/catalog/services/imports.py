"""Catalog import from CSV or Excel: stored upload, background run, progress and per-row errors.

Each product (the rows sharing a product code, or a name when there is no code) is written in
its own transaction, and only when every one of its rows is valid: a product is never half
imported. Re-importing a SKU code updates that SKU (stock is set to the file's count), so
running the same file twice gives the same catalog.
"""

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role, require_tenant
from linkmall.catalog.importing import ImportFileError, ParsedRow, parse_row, read_rows
from linkmall.catalog.models import Category, ImportJob, Product, Sku, Supplier
from linkmall.catalog.services.products import _insert_skus
from linkmall.catalog.services.validation import CleanSku, clean_sku, spec_key
from linkmall.core import clock
from linkmall.core.errors import InvalidInput
from linkmall.core.locking import lock_one
from linkmall.core.tasks import enqueue_after

logger = logging.getLogger("linkmall.catalog.import")

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ALLOWED_EXTENSIONS = (".csv", ".xlsx")
#: clean_sku's field names → the import file's column names
_SKU_FIELD_COLUMN = {"code": "sku_code", "spec": "spec_values", "cost_fen": "cost",
                     "suggested_price_fen": "suggested_price", "stock": "stock", "sku": "sku_code"}


def _check_upload(upload: File) -> str:
    original_name = os.path.basename(getattr(upload, "name", "") or "")
    extension = os.path.splitext(original_name)[1].lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise InvalidInput("Upload a .csv or .xlsx file.", code="unsupported_file",
                           detail={"fields": {"file": "只支持 .csv 和 .xlsx 文件"}})
    size = getattr(upload, "size", 0) or 0
    if size == 0:
        raise InvalidInput("The file is empty.", code="empty_file", detail={"fields": {"file": "文件是空的"}})
    if size > MAX_UPLOAD_BYTES:
        raise InvalidInput("The file is too large.", code="file_too_large",
                           detail={"fields": {"file": "文件不能超过 10MB"}})
    return original_name


def import_job_store(*, supplier: Supplier, upload: File, created_by: User | None = None,
                     enqueue: bool = True) -> ImportJob:
    """Store an upload as a queued job (and, by default, queue its task). For trusted callers such as
    the `linkmall catalog import` command; people go through `import_job_create`."""
    original_name = _check_upload(upload)
    extension = os.path.splitext(original_name)[1].lower()
    from linkmall.catalog.tasks import import_job_run as import_job_run_task

    with transaction.atomic():
        job = ImportJob(supplier=supplier, created_by=created_by, original_name=original_name[:200],
                        created_at=clock.now())
        job.file.save(f"import{extension}", upload, save=False)
        job.save()
        if enqueue:
            enqueue_after(import_job_run_task, None, job.pk)
    return job


def import_job_create(*, actor: User, supplier: Supplier, upload: UploadedFile) -> ImportJob:
    """Store the uploaded file and queue its import. The job and its task commit together."""
    require_role(actor, Role.SUPPLIER_STAFF, Role.PLATFORM)
    require_tenant(actor, supplier.pk, what="supplier")
    return import_job_store(supplier=supplier, upload=upload, created_by=actor)


@dataclass
class _Lookups:
    supplier_id: int
    categories: dict[str, Category]
    existing: dict[str, tuple[int, int]]  # sku code → (sku pk, product pk)


def _load_lookups(supplier_id: int, rows: list[ParsedRow]) -> _Lookups:
    categories: dict[str, Category] = {}
    for category in Category.objects.order_by("-position", "-id"):
        categories[category.name] = category  # the first by position wins on duplicate names
    for category in Category.objects.all():
        categories[category.slug] = category
    codes = {r.sku_code for r in rows if r.sku_code}
    existing = {
        code: (pk, product_id)
        for code, pk, product_id in Sku.objects.filter(supplier_id=supplier_id, code__in=codes).values_list(
            "code", "pk", "product_id"
        )
    }
    return _Lookups(supplier_id=supplier_id, categories=categories, existing=existing)


def _group_errors(group: list[ParsedRow], lookups: _Lookups, seen_codes: dict[str, int]) -> dict[int, dict[str, str]]:
    """Every problem of a product's rows, by line. Empty when the product can be written."""
    errors: dict[int, dict[str, str]] = {r.line: dict(r.errors) for r in group}
    first = group[0]
    specs: dict[tuple, int] = {}
    for row in group:
        if row.category and row.category not in lookups.categories:
            errors[row.line]["category"] = f"分类不存在: {row.category}"
        if "spec_values" not in row.errors and "spec_names" not in row.errors:
            if row.spec_names != first.spec_names:
                errors[row.line]["spec_names"] = f"规格名与第 {first.line} 行不一致"
            key = spec_key(row.spec, row.spec_names)
            if key in specs:
                errors[row.line]["spec_values"] = f"规格与第 {specs[key]} 行重复"
            specs.setdefault(key, row.line)
        if row.sku_code:
            if row.sku_code in seen_codes and seen_codes[row.sku_code] != row.line:
                errors[row.line]["sku_code"] = f"SKU 编码与第 {seen_codes[row.sku_code]} 行重复"
            seen_codes.setdefault(row.sku_code, row.line)
        if not row.errors:
            raw = {"code": row.sku_code, "spec": row.spec, "cost_fen": row.cost_fen,
                   "suggested_price_fen": row.suggested_price_fen, "stock": row.stock}
            _, sku_errors = clean_sku(raw, spec_names=row.spec_names)
            for field_name, message in sku_errors.items():
                errors[row.line].setdefault(_SKU_FIELD_COLUMN.get(field_name, field_name), message)
    products = {lookups.existing[r.sku_code][1] for r in group if r.sku_code in lookups.existing}
    if len(products) > 1:
        for row in group:
            if row.sku_code in lookups.existing:
                errors[row.line]["sku_code"] = "这些 SKU 编码已属于不同的商品"
    return {line: errs for line, errs in errors.items() if errs}


def _clean(row: ParsedRow) -> CleanSku:
    return CleanSku(code=row.sku_code, spec=row.spec, cost_fen=row.cost_fen,
                    suggested_price_fen=row.suggested_price_fen, stock=row.stock)


def _write_group(group: list[ParsedRow], lookups: _Lookups) -> dict[int, dict[str, str]]:
    """Create or update one product and its SKUs, all or nothing. Returns row errors found under lock."""
    first = group[0]
    category = lookups.categories[first.category]
    now = clock.now()
    product_ids = {lookups.existing[r.sku_code][1] for r in group if r.sku_code in lookups.existing}
    with transaction.atomic():
        if not product_ids:
            product = Product.objects.create(
                supplier_id=lookups.supplier_id, category=category, name=first.name, subtitle=first.subtitle,
                description=first.description, spec_names=first.spec_names, created_at=now, updated_at=now,
            )
            _insert_skus(product, [_clean(r) for r in group])
            return {}
        product = lock_one(Product.objects.all(), product_ids.pop())
        if product.spec_names != first.spec_names:
            return {r.line: {"spec_names": f"与已有商品的规格名不一致: {'/'.join(product.spec_names)}"} for r in group}
        siblings = {s.code: s for s in Sku.objects.filter(product=product).select_for_update()}
        file_codes = {r.sku_code for r in group}
        taken_specs = {spec_key(s.spec, product.spec_names): code for code, s in siblings.items() if code not in file_codes}
        clashes = {r.line: {"spec_values": f"与已有 SKU {taken_specs[spec_key(r.spec, r.spec_names)]} 规格重复"}
                   for r in group if spec_key(r.spec, r.spec_names) in taken_specs}
        if clashes:
            transaction.set_rollback(True)
            return clashes
        product.category, product.name, product.updated_at = category, first.name, now
        if first.subtitle:
            product.subtitle = first.subtitle
        if first.description:
            product.description = first.description
        product.save()
        new = []
        for row in group:
            sku = siblings.get(row.sku_code)
            if sku is None:
                new.append(_clean(row))
                continue
            # the file's count is the truth after a stocktake, so stock is set, not added
            Sku.objects.filter(pk=sku.pk).update(spec=row.spec, cost_fen=row.cost_fen,
                                                 suggested_price_fen=row.suggested_price_fen, stock=row.stock)
        if new:
            _insert_skus(product, new)
    return {}


def _finish(job: ImportJob, *, status: str, errors: list[dict]) -> ImportJob:
    job.status, job.errors, job.finished_at = status, errors, clock.now()
    job.save(update_fields=["status", "errors", "finished_at", "processed_rows", "imported_rows", "total_rows"])
    return job


def import_job_run(*, job_id: int, progress: Callable[[int, int], None] | None = None) -> ImportJob | None:
    """Run a queued import. A job that is not queued any more (already run, or running) is left alone.

    `progress(processed_rows, total_rows)` is called after each product, for progress bars.
    """
    if ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(status=ImportJob.Status.RUNNING) != 1:
        return ImportJob.objects.filter(pk=job_id).first()
    job = ImportJob.objects.get(pk=job_id)
    try:
        with job.file.open("rb") as handle:
            raw_rows = read_rows(handle, job.original_name or job.file.name or "")
    except ImportFileError as exc:
        return _finish(job, status=ImportJob.Status.FAILED, errors=[{"row": 0, "errors": {"file": str(exc)}}])
    except OSError:
        logger.exception("import job %s: cannot open %s", job_id, job.file.name)
        return _finish(job, status=ImportJob.Status.FAILED, errors=[{"row": 0, "errors": {"file": "上传的文件已丢失"}}])
    rows = [parse_row(r) for r in raw_rows]
    job.total_rows = len(rows)
    job.save(update_fields=["total_rows"])
    groups: dict[str, list[ParsedRow]] = {}
    for row in rows:
        groups.setdefault(row.product_key or f"#line{row.line}", []).append(row)
    lookups = _load_lookups(job.supplier_id, rows)
    seen_codes: dict[str, int] = {}
    errors: dict[int, dict[str, str]] = {}
    for group in groups.values():
        group_errors = _group_errors(group, lookups, seen_codes)
        if not group_errors:
            try:
                group_errors = _write_group(group, lookups)
            except IntegrityError:  # a SKU code was taken concurrently (by a form or another import)
                group_errors = {r.line: {"sku_code": "SKU 编码已被占用"} for r in group}
        if group_errors:
            bad = ", ".join(str(line) for line in sorted(group_errors))
            for row in group:
                errors[row.line] = group_errors.get(row.line) or {"product": f"同一商品的第 {bad} 行有错误，整件商品未导入"}
        else:
            job.imported_rows += len(group)
        job.processed_rows += len(group)
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=job.processed_rows, imported_rows=job.imported_rows)
        if progress:
            progress(job.processed_rows, job.total_rows)
    return _finish(job, status=ImportJob.Status.DONE,
                   errors=[{"row": line, "errors": errs} for line, errs in sorted(errors.items())])

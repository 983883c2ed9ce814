"""Suppliers (each one a tenant) and the shared category tree."""

import re

from django.db import IntegrityError, transaction

from linkmall.accounts.models import Tenant
from linkmall.catalog.models import Category, Supplier
from linkmall.catalog.services.validation import clean_text
from linkmall.core.errors import InvalidInput

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")


def supplier_create(*, name: str, contact_phone: str = "", return_address: str = "") -> Supplier:
    """A new supplier and its tenant, in one transaction (the supplier's pk is the tenant's)."""
    fields = {}
    name, err = clean_text(name, max_length=100)
    if err:
        fields["name"] = err
    contact_phone, err = clean_text(contact_phone, max_length=20, required=False)
    if err:
        fields["contact_phone"] = err
    return_address, err = clean_text(return_address, max_length=200, required=False)
    if err:
        fields["return_address"] = err
    if fields:
        raise InvalidInput("The supplier is not valid.", detail={"fields": fields})
    with transaction.atomic():
        tenant = Tenant.objects.create(kind=Tenant.Kind.SUPPLIER, name=name)
        return Supplier.objects.create(
            tenant=tenant, name=name, contact_phone=contact_phone, return_address=return_address
        )


def category_ensure(*, name: str, slug: str, parent: Category | None = None) -> Category:
    """The category with this slug, created if missing; its name and parent follow the arguments."""
    name, err = clean_text(name, max_length=50)
    if err:
        raise InvalidInput("The category name is not valid.", detail={"fields": {"name": err}})
    slug = (slug or "").strip().lower()
    if not slug or len(slug) > 50 or not SLUG_RE.match(slug):
        raise InvalidInput("The category slug is not valid.", detail={"fields": {"slug": "只能包含字母、数字、-、_"}})
    if parent is not None and parent.slug == slug:
        raise InvalidInput("A category cannot be its own parent.", detail={"fields": {"parent": "不能选择自己"}})
    try:
        with transaction.atomic():
            category, created = Category.objects.get_or_create(
                slug=slug, defaults={"name": name, "parent": parent}
            )
    except IntegrityError:  # another request created the same slug between our read and insert
        category, created = Category.objects.get(slug=slug), False
    if not created and (category.name != name or category.parent_id != (parent.pk if parent else None)):
        Category.objects.filter(pk=category.pk).update(name=name, parent=parent)
        category.name, category.parent = name, parent
    return category

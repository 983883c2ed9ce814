"""The double-entry ledger: accounts, postings (journal transactions) and their entries.

Sign convention: an entry's `amount_fen` is positive when it credits the account (its owner is
owed more) and negative when it debits it. The entries of one posting sum to zero, so money only
moves between accounts. An account's `balance_fen` is the sum of its entries, maintained by
guarded `UPDATE … SET balance_fen = balance_fen + d` in `ledger.services`, never load-edit-save.

Postings and entries are append-only. The models refuse updates and deletes, and the database
does too (triggers in migration 0002, SQL in `ledger.dbguards`): a posting row is the seal over
entries written just before it, and it cannot be inserted unless they are at least two and sum to
zero. See linkmall/ledger/README.md.
"""

import uuid
from typing import Any, NoReturn, TypeVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from linkmall.core import clock


class OwnerKind(models.TextChoices):
    SUPPLIER = "supplier", _("供应商")
    MERCHANT = "merchant", _("商家")
    PROMOTER = "promoter", _("推广员")
    PLATFORM = "platform", _("平台")
    #: money that came in through a payment gateway; its balance is minus what the gateway holds
    GATEWAY = "gateway", _("支付通道")
    #: payouts on their way to a bank account
    PAYOUT = "payout", _("出款")
    #: the other side of every funder's marketing cost (让利): its balance is what buyers were given
    DISCOUNTS = "discounts", _("让利")
    #: a merchant's guide (owner id: stores.Guide): commission and management reward (docs/o2o.md)
    GUIDE = "guide", _("导购")


class Bucket(models.TextChoices):
    PENDING = "pending", _("待结算")
    AVAILABLE = "available", _("可提现")
    WITHDRAWN = "withdrawn", _("已提现")
    CASH = "cash", _("资金")
    CLEARING = "clearing", _("清算中")
    #: a funder's marketing cost (docs/specs/campaigns.md §2): minus the discounts it paid for
    MARKETING = "marketing", _("营销费用")


#: owner kinds whose owner_id names a real party (supplier/merchant pk = tenant pk, promoter = user pk,
#: guide = stores.Guide pk)
PARTY_KINDS = frozenset({OwnerKind.SUPPLIER, OwnerKind.MERCHANT, OwnerKind.PROMOTER, OwnerKind.GUIDE})
#: which buckets each owner kind may have; system accounts (owner_id 0) have one bucket each
ALLOWED_BUCKETS: dict[str, frozenset[str]] = {
    OwnerKind.SUPPLIER: frozenset({Bucket.PENDING, Bucket.AVAILABLE, Bucket.WITHDRAWN}),
    OwnerKind.MERCHANT: frozenset({Bucket.PENDING, Bucket.AVAILABLE, Bucket.WITHDRAWN, Bucket.MARKETING}),
    OwnerKind.PROMOTER: frozenset({Bucket.PENDING, Bucket.AVAILABLE, Bucket.WITHDRAWN}),
    OwnerKind.GUIDE: frozenset({Bucket.PENDING, Bucket.AVAILABLE, Bucket.WITHDRAWN}),
    OwnerKind.PLATFORM: frozenset({Bucket.PENDING, Bucket.AVAILABLE, Bucket.WITHDRAWN, Bucket.MARKETING}),
    OwnerKind.GATEWAY: frozenset({Bucket.CASH}),
    OwnerKind.PAYOUT: frozenset({Bucket.CLEARING}),
    OwnerKind.DISCOUNTS: frozenset({Bucket.MARKETING}),
}


class AppendOnly(Exception):
    """Raised by the models when code tries to change or delete ledger history."""


_M = TypeVar("_M", bound=models.Model)


class AppendOnlyQuerySet(models.QuerySet[_M]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnly(f"{self.model.__name__} rows are append-only; write a reversing posting instead.")

    def delete(self) -> NoReturn:
        raise AppendOnly(f"{self.model.__name__} rows are append-only; write a reversing posting instead.")

    update.queryset_only = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly(f"{type(self).__name__} rows are append-only; write a reversing posting instead.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly(f"{type(self).__name__} rows are append-only; write a reversing posting instead.")


class LedgerAccount(models.Model):
    owner_kind = models.CharField(max_length=16, choices=OwnerKind.choices)
    #: supplier/merchant pk (= tenant pk), promoter user pk; 0 for system accounts
    owner_id = models.BigIntegerField()
    bucket = models.CharField(max_length=16, choices=Bucket.choices)
    #: sum of this account's entries; changed only by ledger.services with a guarded F() update
    balance_fen = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner_kind", "owner_id", "bucket"], name="ledger_account_unique_owner_bucket"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        """`supplier:12:available`, or `gateway:cash` for a system account."""
        if self.owner_kind not in PARTY_KINDS and self.owner_id == 0:
            return f"{self.owner_kind}:{self.bucket}"
        return f"{self.owner_kind}:{self.owner_id}:{self.bucket}"


class Posting(AppendOnlyModel):
    """One journal transaction. Written after its entries; its insert is what seals them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    #: idempotency key: writing the same key again returns this posting
    key = models.CharField(max_length=200, unique=True)
    #: what happened, e.g. order_paid, settlement, withdrawal, reversal
    kind = models.CharField(max_length=40)
    memo = models.CharField(max_length=200, blank=True)
    #: a plain reference to the business object (e.g. an order number); the ledger imports no app above it
    reference = models.CharField(max_length=64, blank=True, db_index=True)
    #: how many entries this posting seals (the database checks it)
    line_count = models.PositiveSmallIntegerField()
    #: sha256 of kind and the sorted (account, amount) lines: tells a replay from a reused key
    fingerprint = models.CharField(max_length=64)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class Entry(AppendOnlyModel):
    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    #: signed: positive credits the account, negative debits it
    amount_fen = models.BigIntegerField()
    line_no = models.PositiveSmallIntegerField()
    #: the posting's time, copied so statements can range over (account, created_at) with one index
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name_plural = "entries"
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount_fen=0), name="ledger_entry_amount_not_zero"),
            models.UniqueConstraint(fields=["posting", "line_no"], name="ledger_entry_unique_line"),
        ]
        indexes = [models.Index(fields=["account", "created_at", "id"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount_fen:+d}"


class Withdrawal(models.Model):
    """A payout of available earnings (提现): requested, reviewed by staff, paid by a transfer."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待审核")
        PAID = "paid", _("已到账")
        REJECTED = "rejected", _("已驳回")
        FAILED = "failed", _("打款失败")

    owner_kind = models.CharField(max_length=16, choices=OwnerKind.choices)
    owner_id = models.BigIntegerField()
    #: the caller's idempotency key: the same request twice is one withdrawal
    key = models.CharField(max_length=100, unique=True)
    amount_fen = models.BigIntegerField()
    fee_fen = models.BigIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=clock.now)
    reviewed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    transfer_id = models.CharField(max_length=64, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(name="withdrawal_amount_positive", condition=models.Q(amount_fen__gt=0)),
            models.CheckConstraint(name="withdrawal_fee_within_amount",
                                   condition=models.Q(fee_fen__gte=0, fee_fen__lt=models.F("amount_fen"))),
        ]
        indexes = [models.Index(fields=["status", "requested_at"]), models.Index(fields=["owner_kind", "owner_id"])]

    @property
    def net_fen(self) -> int:
        return self.amount_fen - self.fee_fen

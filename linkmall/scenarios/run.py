"""Replay a scenario through the real services (docs/specs/scenarios.md).

Every step calls the same services the API and the pages call: suppliers and merchants are
created, products listed, orders placed and paid through the sandbox gateway, refunds sent back
through it, and the clock moved with the due tasks run. A step the business rules refuse is
listed under `rejected` and changes nothing — a user that step created (a new buyer, or the
user of a `user` step) does not exist afterwards, and a later step naming it, other than as the
buyer of an order, is refused with `user_not_created`; the run goes on.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q, Sum

from linkmall.accounts.models import Role, User
from linkmall.accounts.services import consumer_get_or_create, staff_user_create
from linkmall.campaigns.models import (
    CampaignStatus,
    Coupon,
    CouponSource,
    CouponTemplate,
    GroupBuyGroup,
    GroupBuyMember,
    PointsAccount,
    ScopeKind,
)
from linkmall.campaigns.services import (
    coupon_claim,
    coupon_template_create,
    coupon_template_set_status,
    points_grant,
)
from linkmall.campaigns.services.flash import FlashSaleFields, flash_sale_create
from linkmall.campaigns.services.group import GroupBuyFields, group_buy_create
from linkmall.campaigns.services.loyalty import loyalty_settings_update
from linkmall.catalog.models import Sku
from linkmall.catalog.services import category_ensure, product_create, supplier_create
from linkmall.core import clock
from linkmall.core.errors import Conflict, DomainError
from linkmall.core.money import fen_to_yuan
from linkmall.core.tasks import run_due
from linkmall.customers.services import address_create
from linkmall.ledger.models import Bucket, Entry, LedgerAccount, OwnerKind
from linkmall.ledger.selectors import ledger_verify, marketing_cost
from linkmall.ledger.withdrawals import withdrawal_approve, withdrawal_request
from linkmall.orders.flash import flash_attempt
from linkmall.orders.group import group_join_attempt, group_open_attempt
from linkmall.orders.models import Order, OrderLine
from linkmall.orders.services import order_place
from linkmall.payments.gateways.sandbox import sandbox_trade_pay
from linkmall.payments.services import payment_start, refund_create
from linkmall.referral.graph import referral_bind
from linkmall.referral.models import OrderSettlement, Promoter, QualifyingProduct
from linkmall.referral.plans import Plan, compliance_check
from linkmall.referral.services import plan_acknowledge, plan_draft, plan_go_live, promoter_enter, promoter_seed
from linkmall.referral.settlement import settlement_status
from linkmall.scenarios.parse import Scenario, Step
from linkmall.stores.services import listing_pick, merchant_create

#: a group buy's window in a scenario (its groups each have `hours`), and its stock when the step
#: gives none: the supplier's, up to this
GROUP_WINDOW = timedelta(days=90)
GROUP_STOCK_DEFAULT = 10_000


class ScenarioRun:
    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.plan = Plan.parse(scenario.plan)
        self.suppliers: dict = {}
        self.merchants: dict = {}
        self.products: dict = {}  # id → (listing, merchant)
        self.users: dict[str, User] = {}
        self.orders: dict[str, Order] = {}
        self.coupons: dict[str, CouponTemplate] = {}
        self.flash_sales: dict = {}  # id → FlashSale
        self.group_buys: dict = {}  # id → GroupBuy
        self.groups: dict[str, int] = {}  # the id of the order that opened a group → the group's pk
        self.addresses: dict = {}  # user pk → the address its orders ship to
        self.rejected: list[dict] = []
        self._phones = iter(range(13_800_000_000, 13_900_000_000))

    # --- running ----------------------------------------------------------------------------

    def run(self, progress=None) -> dict:
        """Replay every step; `progress(done, total)` is called after each one when given."""
        if self.scenario.start is not None:
            clock.freeze(self.scenario.start)
        else:
            clock.freeze(clock.now())
        self.operator = staff_user_create(username="scenario-operator", password="scenario-operator-pass",
                                          role=Role.PLATFORM)
        plan = plan_draft(actor=self.operator, config=self.scenario.plan)
        plan = plan_acknowledge(actor=self.operator, plan=plan, codes=[r["code"] for r in plan.compliance])
        plan_go_live(actor=self.operator, plan=plan)
        self.category = category_ensure(name="场景商品", slug="scenario")
        total = len(self.scenario.steps)
        for done, step in enumerate(self.scenario.steps, start=1):
            users_before = set(self.users)
            try:
                with transaction.atomic():
                    getattr(self, f"do_{step.action}")(step)
            except DomainError as exc:
                self.rejected.append({"step": step.index, "code": exc.code, "message": exc.message})
                for name in set(self.users) - users_before:  # a refused step's new buyer was rolled back
                    del self.users[name]
            if progress is not None:
                progress(done, total)
        return self.report()

    def _new_consumer(self, name: str) -> User:
        user = consumer_get_or_create(phone=str(next(self._phones)), display_name=name)
        self.users[name] = user
        return user

    def _user(self, name: str) -> User:
        """A user the file declared. Its step may have been refused (and rolled back): then the
        user does not exist, and the step naming it is refused too."""
        user = self.users.get(name)
        if user is None:
            raise Conflict(f"user {name} does not exist: the step that would have created it was refused",
                           code="user_not_created", detail={"user": name})
        return user

    def do_supplier(self, step: Step) -> None:
        a = step.args
        self.suppliers[a["id"]] = supplier_create(name=a.get("name") or a["id"])

    def do_merchant(self, step: Step) -> None:
        a = step.args
        merchant = merchant_create(name=a.get("name") or a["id"])
        # no points are earned in a scenario unless a `points` step adds them, and no sign-in
        loyalty_settings_update(actor=self.operator, merchant=merchant, fields={
            "points_per_yuan": 0, "points_valid_days": 365, "signin_enabled": False, "signin_points": 0,
            "signin_bonuses": {}, "levels_enabled": True})
        self.merchants[a["id"]] = merchant

    def do_product(self, step: Step) -> None:
        a = step.args
        product = product_create(
            actor=self.operator, supplier=self.suppliers[a["supplier"]], category=self.category,
            name=a.get("name") or a["id"],
            skus=[{"code": a["id"], "spec": {}, "cost_fen": a["cost_fen"], "suggested_price_fen": a["price_fen"],
                   "stock": a.get("stock", 1_000_000)}],
        )
        merchant = self.merchants[a["merchant"]]
        sku = Sku.objects.get(product=product)
        listing = listing_pick(actor=self.operator, merchant=merchant, sku=sku, price_fen=a["price_fen"],
                               pool_fen=a["pool_fen"])
        if a.get("qualifying"):
            QualifyingProduct.objects.create(product=product, added_by=self.operator)
        self.products[a["id"]] = (listing, merchant)

    def do_user(self, step: Step) -> None:
        a = step.args
        referrer = self._user(a["referrer"]) if a.get("referrer") else None
        owner = self._user(a["team_owner"]) if a.get("team_owner") else None
        user = self._new_consumer(a["id"])
        if referrer is not None:
            referral_bind(user=user, referrer=referrer, via="seed")
        level = a.get("level", "member")
        if level == "boss" or (level == "agent" and owner is not None):
            promoter_seed(user=user, level=level, team_owner=owner)
        elif level == "agent":
            promoter_enter(user=user, plan=self.plan)

    def do_order(self, step: Step) -> None:
        a = step.args
        via = self._user(a["via"]) if a.get("via") else None
        buyer = self.users.get(a["user"]) or self._new_consumer(a["user"])
        if via is not None:
            try:  # `via` binds a buyer without a referrer; a cycle or self-binding is ignored
                with transaction.atomic():
                    referral_bind(user=buyer, referrer=via, via="link")
            except DomainError:
                pass
        merchants = {self.products[line["product"]][1].pk for line in a["lines"]}
        if len(merchants) != 1:
            raise Conflict("An order's products must all come from one merchant.", code="multiple_merchants")
        merchant = self.products[a["lines"][0]["product"]][1]
        address = self.addresses.get(buyer.pk)
        if address is None:  # one address per buyer: a user who orders often is not refused for addresses
            address = address_create(user=buyer, recipient=a["user"], phone="13900000000", province="浙江省",
                                     city="杭州市", district="西湖区", detail="文三路 1 号")
        lines = [(self.products[line["product"]][0].pk, line["qty"]) for line in a["lines"]]
        token = f"scenario-{a['id']}"
        if a.get("flash"):
            sale = self._activity(self.flash_sales, "flash", a["flash"], code="flash_not_created")
            order = flash_attempt(buyer=buyer, sale_id=sale.pk, address=address, client_token=token,
                                  quantity=lines[0][1])
        elif a.get("join"):
            group_id = self.groups.get(a["join"])
            if group_id is None:  # the order that would have opened it was refused
                raise Conflict(f"order {a['join']} opened no group", code="group_not_opened",
                               detail={"order": a["join"]})
            order = group_join_attempt(buyer=buyer, group_id=group_id, address=address, client_token=token)
        elif a.get("group"):
            activity = self._activity(self.group_buys, "group", a["group"], code="group_not_created")
            order = group_open_attempt(buyer=buyer, activity_id=activity.pk, address=address, client_token=token)
        else:
            coupon_id = self._claimed_coupon(buyer, a["user"], a["coupon"]) if a.get("coupon") else None
            order = order_place(buyer=buyer, merchant=merchant, lines=lines, address=address, client_token=token,
                                coupon_id=coupon_id, points=a.get("points", 0))
        start = payment_start(actor=buyer, order=order)
        sandbox_trade_pay(out_trade_no=start.payment.out_trade_no)
        run_due()  # the gateway's notification arrives
        order.refresh_from_db()
        if order.status != Order.Status.PAID:
            raise Conflict(f"order {a['id']} was not paid", code="payment_failed")
        self.orders[a["id"]] = order
        self.addresses[buyer.pk] = address  # kept only once the step went through (it may roll back)
        if a.get("group") and not a.get("join"):
            self.groups[a["id"]] = GroupBuyMember.objects.get(order_id=order.pk).group_id

    def _claimed_coupon(self, buyer: User, name: str, coupon: str) -> int:
        """The buyer's coupon of the file's template `coupon`: one not used yet, else the first it
        claimed (the checkout then says why it cannot be used)."""
        held = list(Coupon.objects.filter(template=self._coupon(coupon), user=buyer).order_by("pk")
                    .values_list("pk", "status"))
        if not held:
            raise Conflict(f"user {name} holds no coupon {coupon}", code="coupon_not_claimed",
                           detail={"user": name, "coupon": coupon})
        return next((pk for pk, status in held if status == Coupon.Status.AVAILABLE), held[0][0])

    def do_coupon(self, step: Step) -> None:
        a = step.args
        merchant = self.merchants[a["merchant"]]
        products = sorted({self.products[p][0].product_id for p in a.get("products", ())})
        template = coupon_template_create(
            actor=self.operator, merchant=merchant, accept_loss=a.get("accept_loss", False), name=a["id"],
            kind=a["kind"], value=a["value_off"], threshold_fen=a["threshold_fen"],
            max_discount_fen=a["max_discount_fen"], scope_kind=ScopeKind.PRODUCTS if products else ScopeKind.ALL,
            scope_ids=products, funder=a.get("funder", "merchant"), valid_days=a.get("valid_days", 30),
            total=a["total"], per_user_limit=a.get("per_user", 1), sources=[CouponSource.CLAIM],
        )
        self.coupons[a["id"]] = coupon_template_set_status(actor=self.operator, template_id=template.pk,
                                                           status=CampaignStatus.ACTIVE)

    def do_claim(self, step: Step) -> None:
        a = step.args
        coupon_claim(user=self._user(a["user"]), template_id=self._coupon(a["coupon"]).pk,
                     key=f"scenario-step-{step.index}")

    def _coupon(self, name: str) -> CouponTemplate:
        """A coupon the file declared; its step may have been refused, and then so is this one."""
        template = self.coupons.get(name)
        if template is None:
            raise Conflict(f"coupon {name} does not exist: the step that would have created it was refused",
                           code="coupon_not_created", detail={"coupon": name})
        return template

    def do_flash(self, step: Step) -> None:
        a = step.args
        listing, merchant = self.products[a["product"]]
        now = clock.now()
        self.flash_sales[a["id"]] = flash_sale_create(
            actor=self.operator, merchant=merchant, accept_loss=a.get("accept_loss", False),
            fields=FlashSaleFields(
                listing_id=listing.pk, name=a["id"], starts_at=now, ends_at=now + timedelta(hours=a.get("hours", 2)),
                price_fen=a["price_fen"], stock=a["stock"], per_user_limit=a.get("per_user", 1),
                payment_minutes=a.get("payment_minutes", 5), funder=a.get("funder", "merchant"),
                rewards=a.get("rewards", False)))

    def do_group(self, step: Step) -> None:
        a = step.args
        listing, merchant = self.products[a["product"]]
        now = clock.now()
        stock = a.get("stock") or min(Sku.objects.get(pk=listing.sku_id).stock, GROUP_STOCK_DEFAULT)
        self.group_buys[a["id"]] = group_buy_create(
            actor=self.operator, merchant=merchant, accept_loss=a.get("accept_loss", False),
            fields=GroupBuyFields(
                listing_id=listing.pk, name=a["id"], size=a["size"], price_fen=a["price_fen"], stock=stock,
                starts_at=now, ends_at=now + GROUP_WINDOW, hours=a.get("hours", 24),
                per_user_limit=a.get("per_user", 1), leader_discount_fen=a["leader_discount_fen"],
                virtual_fill_percent=a.get("virtual_fill"), funder=a.get("funder", "merchant"),
                rewards=a.get("rewards", False)))

    @staticmethod
    def _activity(made: dict, kind: str, name: str, *, code: str):
        """A flash sale or group buy the file declared; its step may have been refused."""
        activity = made.get(name)
        if activity is None:
            raise Conflict(f"{kind} {name} does not exist: the step that would have created it was refused",
                           code=code, detail={kind: name})
        return activity

    def do_points(self, step: Step) -> None:
        a = step.args
        points_grant(user=self._user(a["user"]), merchant=self.merchants[a["merchant"]], points=a["add"],
                     key=f"scenario-step-{step.index}", reason="scenario")

    def do_refund(self, step: Step) -> None:
        a = step.args
        order = self.orders.get(a["order"])
        if order is None:  # its order step was refused: there is nothing to refund
            raise Conflict(f"order {a['order']} was not placed", code="order_not_placed")
        lines = None
        if a.get("lines"):
            by_listing = {line.listing_id: line for line in order.lines.all()}
            lines = []
            for line in a["lines"]:
                order_line = by_listing.get(self.products[line["product"]][0].pk)
                if order_line is None:
                    raise Conflict(f"order {a['order']} has no {line['product']}", code="refund_exceeds")
                lines.append((order_line.pk, line["qty"]))
        refund_create(actor=self.operator, order=order, lines=lines, reason="scenario",
                      idempotency_key=f"scenario-step-{step.index}")
        run_due()

    def do_advance(self, step: Step) -> None:
        a = step.args
        clock.advance(timedelta(days=a.get("days", 0), hours=a.get("hours", 0), minutes=a.get("minutes", 0)))
        run_due()

    def do_settle(self, step: Step) -> None:
        run_due()

    def do_withdraw(self, step: Step) -> None:
        a = step.args
        user = self._user(a["user"])
        withdrawal = withdrawal_request(actor=user, owner_kind=OwnerKind.PROMOTER, owner_id=user.pk,
                                        amount_fen=a["amount_fen"], key=f"scenario-step-{step.index}")
        withdrawal_approve(actor=self.operator, withdrawal=withdrawal)

    # --- the report -------------------------------------------------------------------------

    def _balances(self, kind: str, owner_id: int) -> dict[str, str]:
        rows = dict(LedgerAccount.objects.filter(owner_kind=kind, owner_id=owner_id)
                    .values_list("bucket", "balance_fen"))
        return {b: fen_to_yuan(rows.get(b, 0)) for b in (Bucket.PENDING, Bucket.AVAILABLE, Bucket.WITHDRAWN)}

    def report(self) -> dict:
        points = dict(PointsAccount.objects.filter(user_id__in=[u.pk for u in self.users.values()])
                      .values("user_id").annotate(total=Sum("balance")).values_list("user_id", "total"))
        promoters = {p.user_id: p for p in Promoter.objects.filter(user_id__in=[u.pk for u in self.users.values()])}
        name_of: dict[int | None, str] = {u.pk: name for name, u in self.users.items()}
        users = {}
        for name, user in self.users.items():
            p = promoters.get(user.pk)
            users[name] = {
                "level": p.level if p else "member",
                "referrer": name_of.get(p.referrer_id) if p else None,
                "team_owner": name_of.get(p.team_owner_id) if p else None,
                "origin_boss": name_of.get(p.origin_boss_id) if p else None,
                "balance": self._balances(OwnerKind.PROMOTER, user.pk),
                "points": points.get(user.pk, 0),
            }
        accounts = {}
        for sid, supplier in self.suppliers.items():
            accounts[f"supplier:{sid}"] = self._balances(OwnerKind.SUPPLIER, supplier.pk)
        for mid, merchant in self.merchants.items():
            accounts[f"merchant:{mid}"] = self._balances(OwnerKind.MERCHANT, merchant.pk)
        accounts["platform"] = self._balances(OwnerKind.PLATFORM, 0)
        settlements = {s.order_id: s for s in OrderSettlement.objects.filter(order_id__in=[o.pk for o in self.orders.values()])}
        discounts = {pk: (coupon, points) for pk, coupon, points in
                     OrderLine.objects.filter(order_id__in=[o.pk for o in self.orders.values()])
                     .values("order_id").annotate(coupon=Sum("coupon_fen"), points=Sum("points_fen"))
                     .values_list("order_id", "coupon", "points")}
        orders = {}
        for oid, order in self.orders.items():
            order.refresh_from_db()
            coupon_fen, points_fen = discounts.get(order.pk, (0, 0))
            orders[oid] = {"status": settlement_status(settlements.get(order.pk), order),
                           "total": fen_to_yuan(order.goods_fen), "discount": fen_to_yuan(coupon_fen),
                           "points": fen_to_yuan(points_fen)}
        coupons = {}
        counts = {row["pk"]: row for row in CouponTemplate.objects.filter(pk__in=[t.pk for t in self.coupons.values()])
                  .annotate(claimed=Count("coupons"), used=Count("coupons", filter=Q(coupons__status=Coupon.Status.USED)))
                  .values("pk", "claimed", "used")}
        for cid, template in self.coupons.items():
            coupons[cid] = {"claimed": counts[template.pk]["claimed"], "used": counts[template.pk]["used"]}
        by_group = {g.pk: g for g in GroupBuyGroup.objects.filter(pk__in=self.groups.values())}
        groups = {oid: {"status": by_group[pk].status, "members": by_group[pk].paid,
                        "virtual": by_group[pk].virtual_members} for oid, pk in self.groups.items()}
        flash = {}
        for fid, sale in self.flash_sales.items():
            sale.refresh_from_db()
            flash[fid] = {"stock": sale.stock, "sold": sale.sold, "held": sale.held, "returned": sale.returned}
        marketing = {f"merchant:{mid}": fen_to_yuan(marketing_cost(owner_kind=OwnerKind.MERCHANT, owner_id=m.pk))
                     for mid, m in self.merchants.items()}
        marketing["platform"] = fen_to_yuan(marketing_cost(owner_kind=OwnerKind.PLATFORM, owner_id=0))
        audit = ledger_verify()
        return {
            "clock": clock.now().isoformat(),
            "users": users,
            "accounts": accounts,
            "orders": orders,
            "coupons": coupons,
            "flash": flash,
            "groups": groups,
            "marketing": marketing,
            "ledger": {"balanced": audit.ok, "entries": Entry.objects.count(), "postings": audit.postings_checked},
            "rejected": self.rejected,
            "compliance": [{"code": r.code, "severity": r.severity} for r in compliance_check(self.plan)],
        }


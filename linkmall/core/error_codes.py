"""Every error code the services raise, once: the HTTP status it answers with, and what a page says for it.

A `DomainError`'s `code` is the contract with the mini-program and the pages; its message is English
for developers. People read the `text` registered here (Chinese, translated like every page string),
through `error_text`. A code without a text shows the service's own message. A text may name values
as %(name)s: they come from the error's `detail` (the entry's `params`) or from the page.

`linkmall/core/tests/test_error_codes.py` walks the source: every code raised anywhere is registered
here exactly once, with the status of the error class that raises it, and every code registered is
raised somewhere. To add a code, raise it and add its line below.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from linkmall.core.errors import DomainError
from linkmall.core.money import fen_to_yuan

Params = Callable[[Mapping[str, Any]], Mapping[str, object]]


@dataclass(frozen=True)
class ErrorCode:
    code: str
    #: the HTTP status of the API's answer
    status: int
    #: what a person reads on a page; None: the service's message
    text: Promise | None = None
    #: the text's %(name)s values, from the error's detail
    params: Params | None = None


def _sku_codes(detail: Mapping[str, Any]) -> Mapping[str, object]:
    return {"codes": "、".join(detail.get("codes", []))}


_CODES = (
    # the error classes' own codes (core.errors), and what the API wiring answers (core.api)
    ErrorCode("domain_error", 400),
    ErrorCode("invalid_input", 400, _("输入有误，请检查后再提交。")),  # 422 when the request fails its schema
    ErrorCode("not_authenticated", 401, _("请先登录。")),
    ErrorCode("permission_denied", 403, _("你没有权限进行这个操作。")),
    ErrorCode("not_found", 404, _("没有找到对应的内容。")),
    ErrorCode("conflict", 409),
    ErrorCode("rate_limited", 429, _("操作太频繁，请稍后再试。")),
    ErrorCode("bad_request", 400),
    ErrorCode("method_not_allowed", 405),
    ErrorCode("request_too_large", 413),
    ErrorCode("http_error", 400),  # any other status an HttpError carries
    # accounts
    ErrorCode("invalid_phone", 400, _("请输入正确的 11 位手机号。")),
    ErrorCode("invalid_code", 400, _("验证码不正确。")),
    ErrorCode("code_expired", 400, _("验证码已过期，请重新获取。")),
    ErrorCode("code_exhausted", 400, _("验证码错误次数过多，请重新获取。")),
    ErrorCode("sms_send_failed", 503, _("短信发送失败，请稍后再试。")),
    ErrorCode("invalid_credentials", 401, _("用户名或密码不正确。")),
    ErrorCode("login_locked", 429, _("密码错误次数过多，账号已临时锁定，请稍后再试。")),
    ErrorCode("account_disabled", 403, _("该账号已停用。")),
    ErrorCode("password_login_required", 403, _("该账号请使用用户名和密码登录。")),
    ErrorCode("phone_taken", 409, _("该手机号已被其他账号使用。")),
    ErrorCode("username_taken", 409),
    ErrorCode("wechat_login_failed", 400),
    ErrorCode("wechat_unavailable", 503),
    ErrorCode("invalid_tenant", 400),
    ErrorCode("invalid_username", 400),
    ErrorCode("invalid_role", 400),
    ErrorCode("weak_password", 400),
    # ledger
    ErrorCode("unbalanced_posting", 400),
    ErrorCode("idempotency_key_reused", 409, _("页面已过期，请刷新后重新提交。")),
    ErrorCode("insufficient_balance", 409, _("可提现余额不足。")),
    ErrorCode("already_reversed", 409),
    ErrorCode("below_minimum", 400, _("每次至少提现 ¥%(minimum)s，且金额需大于手续费。"),
              lambda detail: {"minimum": detail["minimum"]} if "minimum" in detail else {}),
    ErrorCode("withdrawal_decided", 409, _("这笔提现已经处理过了，请刷新后查看。")),
    # catalog
    ErrorCode("sku_code_taken", 409, _("SKU 编码已被使用：%(codes)s"), _sku_codes),
    ErrorCode("too_many_images", 409),
    ErrorCode("out_of_stock", 409, _("库存不足，请减少数量或选择其他规格。")),
    ErrorCode("stock_below_zero", 409, _("库存不足，当前库存 %(n)s"), lambda detail: {"n": detail["available"]}),
    ErrorCode("unsupported_file", 400),
    ErrorCode("empty_file", 400),
    ErrorCode("file_too_large", 400),
    # stores
    ErrorCode("price_below_cost", 400, _("零售价 ¥%(price)s 低于供货成本 ¥%(cost)s，不能低于成本销售"),
              lambda detail: {"price": fen_to_yuan(detail["price_fen"]), "cost": fen_to_yuan(detail["cost_fen"])}),
    ErrorCode("pool_exceeds_margin", 400, _("佣金池不能超过利润（零售价 − 成本），最多 ¥%(max)s"),
              lambda detail: {"max": fen_to_yuan(detail["max_pool_fen"])}),
    ErrorCode("sku_not_for_sale", 409),
    # customers
    ErrorCode("too_many_addresses", 400, _("收货地址太多了，请先删除不用的地址。")),
    ErrorCode("bad_filter", 400),
    ErrorCode("bad_tag", 400, _("标签为 1 到 32 个字")),
    ErrorCode("auto_tag", 409, _("这是根据行为自动生成的标签，不能手动修改")),
    ErrorCode("too_many_tags", 409, _("标签太多了，请先删除一些")),
    ErrorCode("bad_note", 400, _("记录为 1 到 2000 个字")),
    ErrorCode("bad_reminder", 400, _("请填写提醒内容（200 字以内）和不早于今天的时间")),
    ErrorCode("too_many_reminders", 409, _("未完成的提醒太多了")),
    ErrorCode("batch_too_large", 400),
    ErrorCode("too_many_events", 400),
    ErrorCode("too_many_merchants", 400),
    ErrorCode("invalid_event", 400),
    ErrorCode("bad_kind", 400),
    ErrorCode("event_too_old", 400),
    ErrorCode("unknown_merchant", 404),
    ErrorCode("unknown_store", 404),
    ErrorCode("unknown_guide", 404),
    ErrorCode("unknown_product", 404),
    ErrorCode("layer_settings_invalid", 400),
    ErrorCode("layer_thresholds_invalid", 400),
    ErrorCode("layer_weights_invalid", 400),
    ErrorCode("layers_recompute_running", 409),
    ErrorCode("synthetic_already_loaded", 409),
    ErrorCode("synthetic_no_products", 400),
    # cards
    ErrorCode("photo_format", 400, _("请上传 JPG、PNG 或 WebP 格式的照片。")),
    ErrorCode("photo_too_small", 400, _("照片太小了，请上传至少 120×120 像素的照片。")),
    ErrorCode("not_listed", 400, _("只能推荐本店在售的商品。")),
    ErrorCode("invalid_slot", 400, _("请选择一个可预约的时段。")),
    ErrorCode("slot_full", 409, _("这个时段已约满，请换个时间。")),
    ErrorCode("slot_unavailable", 409, _("这个时段已不能预约，请换个时间。")),
    ErrorCode("already_booked", 409, _("你已经预约了这个时段。")),
    ErrorCode("not_cancellable", 409, _("这个预约已不能取消。")),
    ErrorCode("ends_before_start", 400),
    ErrorCode("invalid_question", 400),
    ErrorCode("invalid_answer", 400),
    # orders
    ErrorCode("not_available", 409, _("商品已下架或暂不可售。")),
    ErrorCode("cart_full", 409, _("购物车已满，请先结算或删除一些商品。")),
    ErrorCode("cart_empty", 409, _("购物车是空的。")),
    ErrorCode("client_token_reused", 409, _("页面已过期，请刷新后重新提交。")),
    ErrorCode("order_not_payable", 409, _("这个订单现在不能支付。")),
    ErrorCode("order_not_cancellable", 409, _("这个订单现在不能取消。")),
    ErrorCode("order_not_paid", 409, _("订单未支付或已关闭，不能申请售后。")),
    ErrorCode("not_shippable", 409),
    ErrorCode("not_receivable", 409, _("这个订单现在不能确认收货。")),
    ErrorCode("nothing_shipped", 409, _("商家还没有发货，暂时不能确认收货。")),
    ErrorCode("refund_exceeds", 409, _("退款金额超过可退金额。")),
    # referral
    ErrorCode("self_referral", 409),
    ErrorCode("referral_cycle", 409),
    ErrorCode("boss_in_no_team", 400),
    ErrorCode("team_owner_not_boss", 409, _("团队归属只能是老板。")),
    ErrorCode("risks_not_acknowledged", 400, _("请逐条确认每一项合规风险。")),
    ErrorCode("plan_not_draft", 409),
    ErrorCode("compliance_not_acknowledged", 409),
    # payments
    ErrorCode("bad_signature", 400),
    ErrorCode("malformed", 400),
    ErrorCode("gateway_conflict", 409),
    ErrorCode("gateway_unavailable", 503),
    # aftersales
    ErrorCode("not_shipped", 409, _("商品还未发货，无需退货，请选择“仅退款”。")),
    ErrorCode("aftersale_window_closed", 409, _("已超过售后期限，不能再申请。")),
    ErrorCode("quantity_exceeds", 409, _("申请数量超过可申请的数量。")),
    ErrorCode("too_many_photos", 400, _("最多上传 6 张图片。")),
    ErrorCode("photo_too_large", 400, _("图片太大，请压缩后再上传。")),
    ErrorCode("photo_not_an_image", 400, _("只能上传 JPG、PNG、WebP 或 GIF 图片。")),
    ErrorCode("aftersale_state", 409, _("申请状态已变化，请刷新后再试。")),
    ErrorCode("return_deadline_passed", 409, _("已超过寄回期限。")),
    ErrorCode("response_deadline_passed", 409, _("已超过处理期限，平台正在介入处理。")),
    # campaigns
    ErrorCode("campaign_below_cost", 400,
              _("优惠后最低售价 ¥%(price)s 低于供货成本 ¥%(cost)s，会亏本销售；确认亏本请勾选“接受亏损”。"),
              lambda detail: {"price": fen_to_yuan(detail["price_fen"]), "cost": fen_to_yuan(detail["cost_fen"])}),
    ErrorCode("campaign_state", 409, _("活动状态已变化，不能这样操作，请刷新后再试。")),
    ErrorCode("campaign_terms_locked", 409, _("优惠券已开始发放，优惠内容和有效期不能再修改。")),
    ErrorCode("flash_not_started", 409, _("秒杀还没开始，请到点再来。")),
    ErrorCode("flash_ended", 409, _("本场秒杀已结束。")),
    ErrorCode("flash_paused", 409, _("本场秒杀已暂停。")),
    ErrorCode("flash_sold_out", 409, _("手慢了，已抢光。")),
    ErrorCode("flash_limit_reached", 409, _("已达到本场秒杀每人限购数量。")),
    ErrorCode("flash_unavailable", 503, _("秒杀太火爆了，请稍后再试。")),
    ErrorCode("flash_draining", 409, _("还有抢到的订单正在生成，请稍后再结束本场秒杀。")),
    ErrorCode("coupon_sold_out", 409, _("优惠券已抢光了。")),
    ErrorCode("coupon_limit_reached", 409, _("已达到每人限领数量。")),
    ErrorCode("coupon_not_started", 409, _("优惠券还没到开始时间。")),
    ErrorCode("coupon_expired", 409, _("优惠券已过期。")),
    ErrorCode("coupon_unavailable", 409, _("这张优惠券现在不能领取。")),
    ErrorCode("coupon_new_customers_only", 409, _("这张优惠券仅限新客领取，你已经在本店下过单了。")),
    ErrorCode("coupon_used", 409, _("优惠券已使用。")),
    ErrorCode("coupon_other_merchant", 409, _("这张优惠券不能在本店使用。")),
    ErrorCode("coupon_threshold_not_met", 409, _("订单金额未达到优惠券的使用门槛。")),
    ErrorCode("coupon_not_applicable", 409, _("订单中没有可以使用这张优惠券的商品。")),
    ErrorCode("points_insufficient", 409, _("积分不足。")),
    ErrorCode("points_over_limit", 409, _("积分最多抵扣订单金额的一半。")),
    ErrorCode("signin_disabled", 409, _("这家店没有开启每日签到。")),
    # campaigns: share-to-get
    ErrorCode("share_campaign_closed", 409, _("分享活动未开始或已结束。")),
    ErrorCode("share_self", 409, _("不能领取自己分享的优惠券，请把链接发给好友。")),
    ErrorCode("share_already_claimed", 409, _("你已经通过其他好友的分享领过这张券了。")),
    ErrorCode("share_same_phone", 409, _("这个手机号已经领过本活动的好友券。")),
    ErrorCode("share_same_device", 409, _("这台设备已经领过本活动的好友券。")),
    ErrorCode("share_not_new_customer", 409, _("好友券仅限新客领取，你已经在本店下过单了。")),
    # campaigns: bargain (砍价)
    ErrorCode("bargain_closed", 409, _("砍价活动未开始、已暂停或已结束。")),
    ErrorCode("bargain_self_help", 409, _("不能给自己砍价，请把链接发给好友。")),
    ErrorCode("bargain_already_helped", 409, _("你已经帮这位好友砍过一刀了。")),
    ErrorCode("bargain_expired", 409, _("这次砍价已过期。")),
    ErrorCode("bargain_complete", 409, _("已经砍到底价或已下单，不需要再砍了。")),
    # campaigns: group buy (拼团)
    ErrorCode("group_not_started", 409, _("拼团活动还没开始。")),
    ErrorCode("group_ended", 409, _("拼团活动已结束。")),
    ErrorCode("group_paused", 409, _("拼团活动已暂停。")),
    ErrorCode("group_sold_out", 409, _("拼团商品已售罄。")),
    ErrorCode("group_full", 409, _("这个团已经满员了，换一个团或自己开团吧。")),
    ErrorCode("group_failed", 409, _("这个团已经过期，拼团失败。")),
    ErrorCode("group_closed", 409, _("这个团已经成团，不能再加入。")),
    ErrorCode("group_already_member", 409, _("你已经在这个团里了。")),
    ErrorCode("group_limit_reached", 409, _("已达到本活动每人可参团的次数。")),
    ErrorCode("group_refund_not_retryable", 409, _("这位团员没有需要重试的退款。")),
    # O2O: store pick-up (到店自提) and redemption (核销), docs/o2o.md
    ErrorCode("pickup_store_not_found", 404, _("请选择这家店的一个自提门店。")),
    ErrorCode("pickup_not_shipped", 409, _("供应商还没有把包裹全部发往门店。")),
    ErrorCode("pickup_code_exhausted", 409, _("暂时无法生成提货码，请重试。")),
    ErrorCode("redeem_not_found", 404, _("没有这个核销码，请核对后再试。")),
    ErrorCode("redeem_wrong_store", 409, _("这不是本店的核销码。")),
    ErrorCode("redeem_already", 409, _("这个码已经核销过了。")),
    ErrorCode("redeem_not_ready", 409, _("包裹还没有到店，暂不能核销。")),
    ErrorCode("redeem_aftersale_open", 409, _("这个订单有进行中的售后，暂不能核销。")),
    ErrorCode("redeem_group_incomplete", 409, _("这个订单的拼团还没成团，暂不能核销。")),
    ErrorCode("redeem_locked", 429, _("失败次数过多，核销已暂时锁定，请稍后再试。")),
    ErrorCode("redeem_below_threshold", 409, _("到店消费金额未达到这张券的使用门槛。")),
    ErrorCode("coupon_in_store_only", 409, _("这张券仅限到店核销，不能在线上使用。")),
    # O2O: geofenced coupons (地理围栏券), docs/o2o.md
    ErrorCode("geofence_location_required", 400, _("这张券只能在门店附近领取，请允许使用你的位置后再试。")),
    ErrorCode("geofence_outside", 403, _("你离门店约 %(distance_m)s 米，这张券只能在 %(radius_m)s 米内领取。"),
              lambda d: {"distance_m": d.get("distance_m", "?"), "radius_m": d.get("radius_m", "?")}),
    # campaigns: layer offers
    ErrorCode("listing_early_access", 409, _("新品抢先中，目前仅限核心会员购买，请等正式开售。")),
    # invite tiers (阶梯邀请)
    ErrorCode("invite_headcount_pay", 409,
              _("该邀请活动按购买 2+1 礼包的人数计奖，属于以发展人员数量为依据计酬（禁止传销条例第七条第（一）项），不能启用。")),
    ErrorCode("invite_prize_not_claimable", 409, _("这个奖品现在不能领取，请刷新后再试。")),
    # guides earn (导购提成 / 团队管理奖励), docs/o2o.md
    ErrorCode("compliance_ack_required", 409,
              _("管理奖励属于团队计酬（禁止传销条例第七条第（三）项），请阅读风险提示并勾选确认后再保存。")),
    ErrorCode("not_a_guide", 404, _("你不是在职导购。")),
    # scenarios and the demo
    ErrorCode("multiple_merchants", 409),
    ErrorCode("payment_failed", 409),
    ErrorCode("order_not_placed", 409),
    ErrorCode("user_not_created", 409),
    ErrorCode("coupon_not_created", 409),
    ErrorCode("coupon_not_claimed", 409),
    ErrorCode("flash_not_created", 409),
    ErrorCode("group_not_created", 409),
    ErrorCode("group_not_opened", 409),
    ErrorCode("demo_payment_failed", 409),
)


def _index(codes: tuple[ErrorCode, ...]) -> dict[str, ErrorCode]:
    index: dict[str, ErrorCode] = {}
    for entry in codes:
        if entry.code in index:
            raise ValueError(f"error code {entry.code!r} is registered twice")
        index[entry.code] = entry
    return index


ERROR_CODES: Mapping[str, ErrorCode] = _index(_CODES)


def code_text(code: str) -> str:
    """The registered text of `code` (which must have one), for a page that refuses before any service does."""
    text = ERROR_CODES[code].text
    if text is None:
        raise KeyError(f"error code {code!r} has no text")
    return str(text)


def error_text(exc: DomainError, *, default: str | Promise | None = None, with_fields: bool = False,
               **params: object) -> str:
    """What a page says for `exc`: its code's text, with %(name)s filled from the error's detail and
    `params`; without one, `default`, else the service's message.

    `with_fields`: an error that names bad fields (detail["fields"]) lists them instead, for the
    console forms that show one line per field. A refusal that says when to try again
    (detail["retry_after_seconds"]) ends with the seconds.
    """
    detail: Mapping[str, Any] = exc.detail if isinstance(exc.detail, Mapping) else {}
    entry = ERROR_CODES.get(exc.code)
    fields = detail.get("fields") if with_fields else None
    if isinstance(fields, Mapping) and fields:
        text = "；".join(f"{name}: {problem}" for name, problem in fields.items())
    elif entry is not None and entry.text is not None:
        text = _filled(entry, detail, params, fallback=exc.message)
    else:
        text = str(default) if default is not None else exc.message
    retry = detail.get("retry_after_seconds")
    return f"{text} ({retry}s)" if retry else text


def _filled(entry: ErrorCode, detail: Mapping[str, Any], params: Mapping[str, object], *, fallback: str) -> str:
    text = str(entry.text)
    if "%(" not in text:
        return text
    try:
        values = {**(entry.params(detail) if entry.params else {}), **params}
        return text % values
    except (KeyError, TypeError, ValueError):
        # the error lacks a value the text names: the service's message still says what went wrong
        return fallback

"""/api/v1/campaigns/merchant/group-members/{member_id}/refund-retry: the console's retry of a failed
group's automatic refund. It moves money, so it lives in payments; mounted in config/api.py."""

from ninja import Router, Schema

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.payments.group_refunds import group_refund_retry

router = Router(tags=["campaigns: group buys"])


class RefundStateOut(Schema):
    member_id: int
    refund_state: str


@router.post("/merchant/group-members/{int:member_id}/refund-retry", response=RefundStateOut, auth=api_auth)
def group_refund_retry_api(request: ApiRequest, member_id: int) -> RefundStateOut:
    """A pending refund is sent again now; a refused one is replaced by a new refund. 409
    group_refund_not_retryable when the member has none to retry; 404 for another merchant's."""
    state = group_refund_retry(actor=request.auth, member_id=member_id)
    return RefundStateOut(member_id=member_id, refund_state=state)

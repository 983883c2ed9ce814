from ninja import Router

from linkmall.referral.api_operator import router as operator_router
from linkmall.referral.api_promoter import router as promoter_router

router = Router(tags=["referral"])
router.add_router("/me", promoter_router)
router.add_router("/ops", operator_router)

from ninja import Router

router = Router(tags=["referral-promoter"])

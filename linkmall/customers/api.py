"""/api/v1/customers: a consumer's own delivery addresses."""

from ninja import Router, Status

from linkmall.accounts.auth import api_auth
from linkmall.customers import selectors, services
from linkmall.customers.api_profiles import router as profiles_router
from linkmall.customers.api_tracking import router as tracking_router
from linkmall.customers.schemas import AddressIn, AddressOut, AddressPatch

router = Router(tags=["customers"])
router.add_router("", tracking_router)
router.add_router("", profiles_router)


@router.get("/addresses", response=list[AddressOut], auth=api_auth)
def list_addresses(request):
    return selectors.address_list(user=request.auth)


@router.post("/addresses", response={201: AddressOut}, auth=api_auth)
def create_address(request, payload: AddressIn):
    return Status(201, services.address_create(user=request.auth, **payload.dict()))


@router.get("/addresses/{int:address_id}", response=AddressOut, auth=api_auth)
def get_address(request, address_id: int):
    return selectors.address_get(user=request.auth, address_id=address_id)


@router.patch("/addresses/{int:address_id}", response=AddressOut, auth=api_auth)
def update_address(request, address_id: int, payload: AddressPatch):
    address = selectors.address_get(user=request.auth, address_id=address_id)
    return services.address_update(user=request.auth, address=address, **payload.dict(exclude_unset=True))


@router.post("/addresses/{int:address_id}/default", response=AddressOut, auth=api_auth)
def make_default_address(request, address_id: int):
    address = selectors.address_get(user=request.auth, address_id=address_id)
    return services.address_set_default(user=request.auth, address=address)


@router.delete("/addresses/{int:address_id}", response={204: None}, auth=api_auth)
def delete_address(request, address_id: int):
    address = selectors.address_get(user=request.auth, address_id=address_id)
    services.address_delete(user=request.auth, address=address)
    return Status(204, None)

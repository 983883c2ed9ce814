from ninja import Schema
from pydantic import Field

from linkmall.customers.models import Address


class AddressIn(Schema):
    recipient: str = Field(min_length=1, max_length=50)
    phone: str = Field(min_length=1, max_length=20)
    province: str = Field(min_length=1, max_length=20)
    city: str = Field(min_length=1, max_length=20)
    district: str = Field("", max_length=20)
    detail: str = Field(min_length=1, max_length=200)
    is_default: bool = False


class AddressPatch(Schema):
    recipient: str | None = Field(None, min_length=1, max_length=50)
    phone: str | None = Field(None, min_length=1, max_length=20)
    province: str | None = Field(None, min_length=1, max_length=20)
    city: str | None = Field(None, min_length=1, max_length=20)
    district: str | None = Field(None, max_length=20)
    detail: str | None = Field(None, min_length=1, max_length=200)


class AddressOut(Schema):
    id: int
    recipient: str
    phone: str
    province: str
    city: str
    district: str
    detail: str
    is_default: bool
    one_line: str

    @staticmethod
    def resolve_one_line(obj: Address) -> str:
        return obj.one_line()

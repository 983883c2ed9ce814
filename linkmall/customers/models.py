"""Consumers (C): delivery addresses now; profiles, behaviour and layers later."""

from django.db import models

from linkmall.accounts.models import User
from linkmall.core import clock


class Address(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    recipient = models.CharField(max_length=50)
    phone = models.CharField(max_length=20)
    province = models.CharField(max_length=20)
    city = models.CharField(max_length=20)
    district = models.CharField(max_length=20, blank=True)
    detail = models.CharField(max_length=200)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(is_default=True), name="one_default_address_per_user"
            ),
        ]

    def one_line(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.detail}"

    def snapshot(self) -> dict:
        return {
            "recipient": self.recipient,
            "phone": self.phone,
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "detail": self.detail,
        }

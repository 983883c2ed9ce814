from django.apps import AppConfig


class ReferralConfig(AppConfig):
    name = "linkmall.referral"
    label = "referral"

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "linkmall.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns"

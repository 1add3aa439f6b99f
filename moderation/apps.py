from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self):
        from bookings import dispute_desk
        from moderation.services import complaint_open_for_dispute

        dispute_desk.provide(complaint_open_for_dispute)

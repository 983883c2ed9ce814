"""Card pages. A flat list, one line per page, so each owner appends their own lines."""

from django.urls import path

from linkmall.cards import digest_views, radar_views
from linkmall.cards.assistant import views as assistant_views
from linkmall.cards.pages import booking, card, editor, holder, nearest, promotions, share

app_name = "cards"

urlpatterns = [
    # the card and what a visitor does on it (engineer C)
    path("card/", nearest.nearest, name="nearest"),
    path("nearest/", nearest.nearest, name="nearest_alias"),
    path("card/<int:guide_id>/", card.card_page, name="card"),
    path("card/<int:guide_id>/qr.png", share.card_qr, name="card_qr"),
    path("card/<int:guide_id>/poster.png", share.card_poster, name="card_poster"),
    path("card/<int:guide_id>/vcard.vcf", card.card_vcard, name="card_vcard"),
    path("card/<int:guide_id>/avatar.png", card.card_avatar, name="card_avatar"),
    path("card/<int:guide_id>/save/", holder.card_save, name="card_save"),
    path("card/<int:guide_id>/remove/", holder.card_remove, name="card_remove"),
    path("card/<int:guide_id>/book/", booking.card_book, name="card_book"),
    path("me/cards/", holder.holder_list, name="holder"),
    path("me/bookings/", booking.my_bookings, name="my_bookings"),
    path("me/bookings/<int:appointment_id>/cancel/", booking.my_booking_cancel, name="my_booking_cancel"),
    # the guide's workspace (engineer C)
    path("guide/card/", editor.card_edit, name="card_edit"),
    path("guide/bookings/", booking.guide_bookings, name="guide_bookings"),
    path("guide/bookings.json", booking.guide_bookings_json, name="guide_bookings_json"),
    # the merchant console (engineer C)
    path("console/merchant/promotions/", promotions.promotion_list, name="promotions"),
    path("console/merchant/promotions/new/", promotions.promotion_edit, name="promotion_new"),
    path("console/merchant/promotions/<int:promotion_id>/", promotions.promotion_edit, name="promotion_edit"),
    path("console/merchant/promotions/<int:promotion_id>/delete/", promotions.promotion_delete,
         name="promotion_delete"),
    # the radar and the assistant (engineer A) — append below
    path("guide/radar/", radar_views.radar_page, name="radar"),
    path("guide/radar/stream", radar_views.radar_stream_view, name="radar_stream"),
    path("guide/digest/", digest_views.digest_page, name="digest"),
    path("card/<int:guide_id>/ask/", assistant_views.card_ask, name="card_ask"),
    path("guide/questions/", assistant_views.question_list, name="questions"),
    path("guide/questions/<int:question_id>/answer/", assistant_views.question_answer, name="question_answer"),
]

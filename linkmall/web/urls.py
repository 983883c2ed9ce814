"""Consumer H5 pages, mounted at the site root."""

from django.urls import path

from linkmall.web.pages import bargain, cart, checkout, flash, group, guide, orders, pickup, shop

app_name = "web"

urlpatterns = [
    path("", shop.home, name="home"),
    path("s/<int:store_id>/", shop.store_home, name="store_home"),
    path("s/<int:store_id>/c/", shop.store_categories, name="store_categories"),
    path("s/<int:store_id>/c/<slug:slug>/", shop.category, name="category"),
    path("s/<int:store_id>/p/<int:product_id>/", shop.product, name="product"),
    path("s/<int:store_id>/p/<int:product_id>/recommend", shop.product_recommend, name="product_recommend"),
    path("shop/<int:merchant_id>/flash/", flash.flash_hall_page, name="flash_hall"),
    path("shop/<int:merchant_id>/flash/<int:sale_id>/buy/", flash.flash_buy, name="flash_buy"),
    path("shop/<int:merchant_id>/flash/<int:sale_id>/wait/<str:ticket>/", flash.flash_wait, name="flash_wait"),
    # bargains (砍价)
    path("shop/<int:merchant_id>/bargains/", bargain.bargain_list, name="bargain_list"),
    path("shop/<int:merchant_id>/bargains/<int:activity_id>/start/", bargain.bargain_begin, name="bargain_begin"),
    path("shop/<int:merchant_id>/bargain/<int:bargain_id>/", bargain.bargain_page, name="bargain_page"),
    path("shop/<int:merchant_id>/bargain/<int:bargain_id>/help/", bargain.bargain_help_page, name="bargain_help"),
    path("shop/<int:merchant_id>/bargain/<int:bargain_id>/buy/", bargain.bargain_buy_page, name="bargain_buy"),
    path("shop/<int:merchant_id>/bargain/<int:bargain_id>/poster.png", bargain.bargain_poster, name="bargain_poster"),
    # group buys (拼团)
    path("shop/<int:merchant_id>/group-buys/<int:activity_id>/", group.group_activity_page, name="group_activity"),
    path("shop/<int:merchant_id>/group-buys/<int:activity_id>/open/", group.group_open_page, name="group_open"),
    path("shop/<int:merchant_id>/group/<int:group_id>/", group.group_page, name="group_page"),
    path("shop/<int:merchant_id>/group/<int:group_id>/join/", group.group_join_page, name="group_join"),
    path("shop/<int:merchant_id>/group/<int:group_id>/poster.png", group.group_poster, name="group_poster"),
    path("me/groups/", group.my_groups_page, name="my_groups"),
    # the guide's workbench (导购工作台): where a guide lands after logging in
    path("guide/", guide.guide_home, name="guide_home"),
    path("cart/", cart.cart, name="cart"),
    path("cart/add/", cart.cart_add, name="cart_add"),
    path("cart/<int:line_id>/quantity/", cart.cart_set_quantity, name="cart_set_quantity"),
    path("cart/<int:line_id>/remove/", cart.cart_remove, name="cart_remove"),
    path("buy/", checkout.buy_now, name="buy_now"),
    path("checkout/", checkout.checkout, name="checkout"),
    path("checkout/address/", checkout.address_new, name="checkout_address"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/<str:number>/", orders.order_detail, name="order_detail"),
    path("orders/<str:number>/pay/", orders.order_pay, name="order_pay"),
    path("orders/<str:number>/cancel/", orders.order_cancel, name="order_cancel"),
    path("orders/<str:number>/receive/", orders.order_confirm_receipt, name="order_receive"),
    path("orders/<str:number>/pickup-qr.png", pickup.order_pickup_qr, name="order_pickup_qr"),
]

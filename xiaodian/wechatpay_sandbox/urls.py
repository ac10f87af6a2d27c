"""The WeChat Pay v3 sandbox, mounted at /sandbox/wechatpay/."""

from django.urls import path

from . import views

app_name = "wechatpay_sandbox"
urlpatterns = [
    path("v3/pay/transactions/native", views.native, name="native"),
    path("v3/pay/transactions/jsapi", views.jsapi, name="jsapi"),
    path("v3/pay/transactions/out-trade-no/<str:out_trade_no>", views.query, name="query"),
    path("v3/pay/transactions/out-trade-no/<str:out_trade_no>/close", views.close, name="close"),
    path("v3/refund/domestic/refunds", views.refund, name="refund"),
    path("v3/refund/domestic/refunds/<str:out_refund_no>", views.query_refund, name="query_refund"),
    path("v3/fund-app/mch-transfer/transfer-bills", views.transfer, name="transfer"),
    path(
        "v3/fund-app/mch-transfer/transfer-bills/out-bill-no/<str:out_bill_no>",
        views.query_transfer,
        name="query_transfer",
    ),
    path("pay/<str:prepay_id>/", views.pay_page, name="pay"),
]

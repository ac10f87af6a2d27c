"""Domain errors: every refusal the platform makes has a code, an HTTP status and a message.

The table below is the one list of codes; docs/errors.md documents each of them (a test keeps
the two in step).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CODES: dict[str, tuple[int, StrOrPromise]] = {
    # generic
    "validation_error": (422, _("请求内容无效。")),
    "malformed_request": (400, _("请求体不是有效的 JSON。")),
    "unauthorized": (401, _("请登录或提供有效的访问令牌。")),
    "permission_denied": (403, _("你没有权限执行此操作。")),
    "not_found": (404, _("未找到。")),
    "method_not_allowed": (405, _("不支持此请求方法。")),
    "payload_too_large": (413, _("请求内容过大。")),
    "invalid_transition": (409, _("当前状态下不能执行此操作。")),
    "rate_limited": (429, _("请求过于频繁，请稍后再试。")),
    # accounts
    "username_taken": (409, _("该用户名已被使用。")),
    "password_too_weak": (422, _("密码强度不足。")),
    "invalid_credentials": (401, _("用户名或密码错误。")),
    "image_invalid": (422, _("文件不是有效的图片。")),
    "licence_invalid": (422, _("证照号码或身份证号格式无效。")),
    "licence_taken": (409, _("该证照号码已被其他主体使用。")),
    # stores
    "store_limit_reached": (409, _("该证照的开店数量已达上限。")),
    "store_name_invalid": (422, _("店铺名称无效。")),
    "store_name_reserved_word": (422, _("普通店铺名称不能包含保留词。")),
    "store_name_taken": (409, _("店铺名称已被使用。")),
    "brand_authorization_exists": (409, _("该品牌已有待审核或已通过的授权。")),
    "brand_not_authorized": (422, _("品牌店铺需要已审核通过的品牌授权。")),
    "deposit_required": (409, _("尚未缴纳该类目的保证金。")),
    "deposit_already_paid": (409, _("该类目的保证金已缴纳。")),
    "not_upgraded": (409, _("店铺需先完成升级才能上架商品。")),
    "store_not_open": (409, _("店铺未在营业中。")),
    "staff_exists": (409, _("该用户已是店铺员工。")),
    "owner_required": (409, _("店铺必须且只能有一位店主。")),
    "payment_failed": (402, _("支付未成功。")),
    # catalog and orders
    "out_of_stock": (409, _("库存不足。")),
    "product_not_available": (409, _("商品不可购买。")),
    "unknown_carrier": (422, _("请从列表中选择快递公司。")),
    "tracking_no_mismatch": (422, _("运单号与所选快递公司的格式不符。")),
    # after-sales
    "aftersale_not_allowed": (409, _("这件商品现在不能申请售后。")),
    "aftersale_period_over": (409, _("已超过售后期。")),
    "aftersale_open_exists": (409, _("这件商品已有进行中的售后申请。")),
    "aftersale_attempts_exhausted": (409, _("这件商品的售后申请次数已用完。")),
    "aftersale_quantity_exceeded": (422, _("申请数量超过可售后的数量。")),
    "refund_amount_invalid": (422, _("退款金额须大于 0，且不超过买家申请的金额。")),
    "return_address_required": (409, _("请先添加退货地址，买家需要知道寄回哪里。")),
    "return_addresses_full": (409, _("退货地址最多 10 个。")),
    "dispute_window_over": (409, _("已超过申诉期限。")),
    # complaints
    "complaint_exists": (409, _("你已投诉过，请等待处理结果。")),
    "idempotency_conflict": (409, _("同一个 Idempotency-Key 已用于不同的请求。")),
    # payments
    "notification_signature_invalid": (401, _("支付通知的签名无效。")),
    "notification_expired": (400, _("支付通知的时间戳与当前时间相差超过 5 分钟。")),
    "notification_invalid": (400, _("支付通知的内容无效。")),
    "payment_amount_mismatch": (400, _("支付通知的金额与支付单不一致。")),
    "notification_not_applied": (409, _("支付通知暂未处理成功，请稍后重试。")),
    "refund_exceeds_payment": (422, _("退款金额超过可退金额。")),
    "refund_failed": (409, _("退款未成功。")),
    "refund_amount_mismatch": (400, _("退款通知的金额与退款单不一致。")),
    "transfer_amount_mismatch": (400, _("转账通知的金额与转账单不一致。")),
    # catalog
    "category_not_leaf": (422, _("商品只能发布在末级类目。")),
    "contact_details_not_allowed": (422, _("内容不能包含联系方式。")),
    "qr_code_not_allowed": (422, _("封面不能包含二维码。")),
    "sku_specs_invalid": (422, _("规格无效：最多 3 个规格名，各规格的规格名须一致。")),
    "sku_specs_duplicate": (422, _("两个规格的取值完全相同。")),
    "stock_changed": (409, _("库存已变化，请刷新后再设置。")),
    "listing_needs_stock": (409, _("上架前至少需要一个有库存的规格。")),
    "listing_needs_image": (409, _("上架前至少需要一张商品图片。")),
    "bulk_change_out_of_range": (422, _("调整后的价格或库存超出了允许的范围。")),
    "images_limit_reached": (409, _("商品图片数量已达上限。")),
    # reviews
    "review_not_allowed": (409, _("订单确认收货后才能评价。")),
    "review_exists": (409, _("这件商品已经评价过了。")),
    "follow_up_exists": (409, _("这条评价已经追评过了。")),
    "reply_exists": (409, _("这条评价已经回复过了。")),
    # content
    "account_name_taken": (409, _("该名称已被使用。")),
    "product_cards_limit_reached": (422, _("文章中的商品卡片数量超过上限。")),
    "video_invalid": (422, _("视频文件须为 MP4 或 WebM 格式。")),
    "video_source_required": (422, _("请上传视频文件或填写 https 视频链接，二选一。")),
    "app_id_invalid": (422, _("AppID 须为 wx 加 16 位十六进制字符。")),
    "app_id_taken": (409, _("该 AppID 已被登记。")),
    "mall_path_invalid": (422, _("商城路径须以 / 开头。")),
    # linked accounts
    "link_exists": (409, _("该账号已关联或已在邀请中。")),
    "link_limit_reached": (409, _("该类关联账号数量已达上限。")),
    "link_expired": (409, _("邀请已过期。")),
    # live rooms
    "live_room_not_live": (409, _("直播未在进行中。")),
    "live_room_already_live": (409, _("该视频号已有正在进行的直播。")),
    "live_room_limit_reached": (409, _("待开播的直播数量已达上限。")),
    "live_price_invalid": (422, _("直播价须大于 0 且不高于商品原价。")),
    "flash_sold_out": (409, _("秒杀库存已抢完。")),
    "shelf_store_not_bound": (422, _("只能上架已关联店铺的商品。")),
    "shelf_item_exists": (409, _("该规格已在货架上。")),
    "shelf_full": (409, _("货架商品数量已达上限。")),
    # customer service
    "cold_outreach": (403, _("只能联系咨询过或在本店下过单的买家。")),
    "conversation_closed": (409, _("会话已结束，请重新发起咨询。")),
    "service_limit_reached": (422, _("数量已达上限。")),
    "auto_reply_keyword_exists": (409, _("该关键词已存在。")),
    "already_rated": (409, _("已评价过该会话。")),
    # business contacts and the legacy customer service
    "business_no_consent": (403, _("买家没有授权本店添加企业联系人，或已撤回授权。")),
    "business_subject_unverified": (409, _("店铺的经营主体尚未认证，不能以企业身份联系买家。")),
    "business_chat_closed": (409, _("本店客服已升级，这个企业联系人会话已结束。")),
    "business_proactive_ended": (403, _("本店客服已升级，不能再主动联系买家；买家发来消息后可以回复。")),
    "service_upgrade_not_legacy": (409, _("只有视频号小店（旧）需要升级客服。")),
    "service_already_upgraded": (409, _("本店客服已经升级。")),
    "service_legacy_mode": (409, _("本店使用旧版客服，请通过企业联系人联系店铺。")),
    # chats and groups
    "chat_not_a_contact": (403, _("对方不是你的联系人，请先添加。")),
    "chat_contact_removed_you": (403, _("对方已将你删除，消息发送失败。请先发送朋友验证请求。")),
    "chat_already_member": (409, _("对方已在群聊中。")),
    "group_full": (409, _("群聊人数已达上限（500 人）。")),
    "group_owner_must_transfer": (409, _("群主需先转让群主才能退出群聊。")),
    # store score
    "formula_invalid": (422, _("评分公式无效。")),
    "formula_not_found": (404, _("评分公式版本不存在。")),
    "formula_busy": (409, _("评分公式正在被修改，请重试。")),
    "score_not_computed": (404, _("店铺评分尚未计算，每天计算一次。")),
    # ledger
    "balance_insufficient": (409, _("可提现余额不足。")),
    "fee_rate_invalid": (422, _("费率无效：须为 0 到 200000 之间的整数（百万分之一）。")),
    "fee_schedule_busy": (409, _("费率正在被修改，请重试。")),
    "withdrawal_amount_invalid": (422, _("单笔提现金额须在 1 元到 1999.99 元之间。")),
    "withdrawal_limit_reached": (409, _("今天的提现次数已用完（每天 3 次）。")),
    # alliance
    "alliance_not_eligible": (409, _("店铺暂不符合开通优选联盟的条件。")),
    "alliance_not_enabled": (409, _("店铺尚未开通优选联盟。")),
    "alliance_ratio_invalid": (422, _("比例无效：须为 0 到 900000 之间的整数（百万分之一，即 0–90%）。")),
    "alliance_too_many_products": (422, _("每次最多为 20 个商品设置推广计划。")),
    "alliance_product_invalid": (422, _("只能推广本店已上架的商品。")),
    "alliance_plan_dates_invalid": (422, _("推广计划的结束时间须晚于开始时间，且不能早于现在。")),
    "alliance_open_plan_required": (409, _("定向推广需要该商品先有进行中的普通推广。")),
    "alliance_exclusive_conflict": (409, _("专属推广不能与普通推广同时存在。")),
    "alliance_plan_exists": (409, _("该商品已有同类型的推广计划。")),
    "alliance_promoters_invalid": (422, _("定向或专属推广须指定 1 到 30 位推客。")),
    "alliance_plan_not_live": (409, _("推广计划已停止或已结束。")),
    "alliance_promoter_required": (409, _("请先加入优选联盟成为推客。")),
    "alliance_promoter_exists": (409, _("你已经是推客了。")),
    "alliance_video_account_required": (422, _("达人须绑定自己的视频号。")),
    "alliance_agency_invalid": (422, _("只有达人可以加入机构，且须选择一个机构。")),
    "alliance_not_promotable": (409, _("你不能推广这个商品：它不在你的选品库中。")),
    "alliance_agency_required": (403, _("只有机构可以查看旗下达人的数据。")),
    # coupons
    "coupon_not_claimable": (409, _("这张优惠券现在不能领取。")),
    "coupon_sold_out": (409, _("优惠券已经领完了。")),
    "coupon_limit_reached": (409, _("你领取这张优惠券的次数已达上限。")),
    "coupon_not_usable": (409, _("这张优惠券不能用于这笔订单。")),
    # gifts
    "gift_recipient_not_contact": (409, _("只能把礼物送给你的好友。")),
    "gift_category_excluded": (422, _("珠宝首饰和教育培训类商品不能作为礼物。")),
    "gift_price_too_high": (422, _("每份礼物的价格不能超过 ¥10,000。")),
    "gift_already_drawn": (409, _("你已经抽过这份群礼物了。")),
    "gift_draw_closed": (409, _("这份群礼物的抽取已结束或尚未开始。")),
    "gift_not_group_member": (403, _("只有这个群的成员可以领取这份群礼物。")),
    "gift_giver_cannot_draw": (403, _("送礼人不能领取自己的群礼物。")),
    # store homepage
    "homepage_modules_limit_reached": (422, _("首页模块数量超过上限。")),
    "homepage_module_unknown": (422, _("未知的首页模块类型。")),
    "homepage_product_unavailable": (422, _("商品不是本店在售的商品。")),
    "homepage_content_unavailable": (422, _("内容未发布，或不属于关联到本店的账号。")),
    "homepage_image_unknown": (422, _("横幅图片须先上传到本店。")),
    "homepage_empty": (409, _("首页至少需要一个模块才能发布。")),
    "homepage_draft_changed": (409, _("草稿已在别处修改，请刷新页面后再调整顺序。")),
    # contacts and Moments
    "contact_exists": (409, _("对方已在你的通讯录中。")),
    "contact_limit_reached": (409, _("通讯录人数已达上限。")),
    # data center
    "date_range_invalid": (422, _("日期范围无效。")),
    "date_range_too_long": (422, _("日期范围过长。")),
}


class DomainError(Exception):
    """A rule refused the request. `code` is stable; `message` is for people; `field` names the input."""

    def __init__(
        self,
        code: str,
        message: StrOrPromise | None = None,
        *,
        field: str | None = None,
        extra: dict | None = None,
    ):
        if code not in CODES:
            raise KeyError(f"unknown error code {code!r}: add it to core.errors.CODES and docs/errors.md")
        self.code = code
        self.status, default = CODES[code]
        self.message = str(message or default)
        self.field = field
        self.extra = extra or {}  # more of the refusal, in the body beside code and message
        super().__init__(f"{code}: {self.message}")

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return {**self.extra, **body}

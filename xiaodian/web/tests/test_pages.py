"""The site's pages: each renders, each write goes through its service, and each refusal shows up
next to the field it concerns."""

import ast
import gettext
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from xiaodian.accounts import services as accounts
from xiaodian.accounts.models import ApiToken, User
from xiaodian.accounts.rules import Role, SubjectKind
from xiaodian.stores import services as stores
from xiaodian.stores.models import BrandAuthorization, Store, StoreDeposit, StoreStaff
from xiaodian.stores.rules import DepositStatus, StoreKind, StoreState
from xiaodian.wechatpay_sandbox.testing import pay_deposit_in_sandbox

from .conftest import field_errors, form_errors

RESERVED = "普通店铺名称不能包含保留词"


def store_form(subject, categories, name, *, kind=StoreKind.ORDINARY, category="女装"):
    return {"subject_id": subject.pk, "name": name, "main_category_id": categories[category].pk, "kind": kind}


def png_bytes(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, "PNG")
    return buffer.getvalue()


# ------------------------------------------------------------------------------------ rendering


def test_home_page_says_what_the_platform_is_and_links_onwards(client, db):
    response = client.get(reverse("web:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "小店" in html
    assert "xiaodian" in html
    assert reverse("web:signup") in html
    assert reverse("web:login") in html
    assert "/api/v1/docs" in html
    assert 'lang="zh-hans"' in html
    assert "每个证照最多 30 家店铺，个人 1 家" in html  # the live rules, not a copy


@pytest.mark.parametrize("name", ["home", "profile", "tokens", "subjects", "my_stores"])
def test_each_page_renders_for_a_signed_in_user(merchant_client, store, name):
    response = merchant_client.get(reverse(f"web:{name}"))
    assert response.status_code == 200
    assert "退出" in response.content.decode()  # the shared layout, signed in


@pytest.mark.parametrize("name", ["store_settings", "store_staff"])
def test_store_pages_render_for_the_owner(merchant_client, store, name):
    response = merchant_client.get(reverse(f"web:{name}", args=[store.pk]))
    assert response.status_code == 200
    assert store.name in response.content.decode()


@pytest.mark.parametrize("name", ["profile", "tokens", "subjects", "my_stores"])
def test_pages_that_need_a_user_send_strangers_to_sign_in(client, db, name):
    response = client.get(reverse(f"web:{name}"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("web:login"))


@pytest.mark.parametrize("name", ["login", "signup"])
def test_sign_in_and_sign_up_pages_render(client, db, name):
    assert client.get(reverse(f"web:{name}")).status_code == 200


# ---------------------------------------------------------------------------------------- sign up


def test_sign_up_creates_the_user_and_signs_them_in(client, db):
    response = client.post(
        reverse("web:signup"),
        {
            "username": "newbie",
            "display_name": "新人",
            "password": "long-pass-987",
            "password_again": "long-pass-987",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert user.display_name == "新人"
    assert user.check_password("long-pass-987")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("web:my_stores")).status_code == 200


def test_sign_up_shows_a_taken_username_next_to_the_field(client, make_user):
    make_user("taken")
    response = client.post(
        reverse("web:signup"),
        {"username": "TAKEN", "password": "long-pass-987", "password_again": "long-pass-987"},
    )
    assert response.status_code == 200
    assert "该用户名已被使用" in field_errors(response, "username")
    assert "_auth_user_id" not in client.session


def test_sign_up_shows_a_weak_password_next_to_the_field(client, db):
    response = client.post(
        reverse("web:signup"), {"username": "weak", "password": "123", "password_again": "123"}
    )
    assert field_errors(response, "password")
    assert not User.objects.filter(username="weak").exists()


def test_sign_up_wants_the_same_password_twice(client, db):
    response = client.post(
        reverse("web:signup"),
        {"username": "typo", "password": "long-pass-987", "password_again": "long-pass-988"},
    )
    assert "两次输入的密码不一致" in field_errors(response, "password_again")


def test_sign_in_and_sign_out(client, db):
    accounts.register_user(username="returning", password="long-pass-987")
    response = client.post(reverse("web:login"), {"username": "returning", "password": "long-pass-987"})
    assert response.status_code == 302
    assert response.url == reverse("web:start")  # then each role to its own page (test_workbench.py)
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert response.url == reverse("web:home")
    assert "_auth_user_id" not in client.session


# ---------------------------------------------------------------------------------------- profile


def test_profile_saves_the_display_name_and_an_avatar(merchant_client, merchant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")
    response = merchant_client.post(reverse("web:profile"), {"display_name": "掌柜", "avatar": upload})
    assert response.status_code == 302
    merchant.refresh_from_db()
    assert merchant.display_name == "掌柜"
    assert merchant.avatar.name.startswith("avatars/")
    assert merchant.avatar.url in merchant_client.get(reverse("web:profile")).content.decode()


def test_profile_shows_an_invalid_image_next_to_the_avatar_field(merchant_client, merchant):
    upload = SimpleUploadedFile("me.png", b"not an image at all", content_type="image/png")
    response = merchant_client.post(reverse("web:profile"), {"display_name": "掌柜", "avatar": upload})
    assert response.status_code == 200
    assert "文件不是有效的图片" in field_errors(response, "avatar")
    merchant.refresh_from_db()
    assert not merchant.avatar


# ----------------------------------------------------------------------------------------- tokens


def test_a_new_token_is_shown_once_and_works(merchant_client, merchant):
    response = merchant_client.post(reverse("web:tokens"), {"action": "create", "name": "脚本"})
    html = response.content.decode()
    token = ApiToken.objects.get(user=merchant, name="脚本")
    secret = html.split('id="new-token">', 1)[1].split("<", 1)[0]
    assert secret.startswith(token.prefix)
    assert accounts.hash_token(secret) == token.key_hash
    assert "no-store" in response["Cache-Control"]
    listing = merchant_client.get(reverse("web:tokens")).content.decode()
    assert "脚本" in listing
    assert token.prefix in listing
    assert secret not in listing
    assert merchant_client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_revoking_a_token(merchant_client, merchant):
    token, _secret = accounts.issue_token(user=merchant, name="旧令牌")
    response = merchant_client.post(reverse("web:tokens"), {"action": "revoke", "token_id": token.pk})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "已撤销" in merchant_client.get(reverse("web:tokens")).content.decode()


def test_another_users_token_cannot_be_revoked(merchant_client, make_user):
    token, _ = accounts.issue_token(user=make_user(), name="theirs")
    response = merchant_client.post(reverse("web:tokens"), {"action": "revoke", "token_id": token.pk})
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


# --------------------------------------------------------------------------------------- subjects


def test_adding_a_subject(merchant_client, merchant):
    from xiaodian.accounts.licences import make_uscc

    number = make_uscc(900)
    response = merchant_client.post(
        reverse("web:subjects"),
        {
            "action": "subject",
            "kind": SubjectKind.ENTERPRISE,
            "name": "拾光贸易有限公司",
            "licence_number": number,
        },
    )
    assert response.status_code == 302
    assert merchant.subjects.get().licence_number == number
    html = merchant_client.get(reverse("web:subjects")).content.decode()
    assert "拾光贸易有限公司" in html
    assert "待审核" in html


def test_an_invalid_licence_is_shown_next_to_its_field(merchant_client, merchant):
    response = merchant_client.post(
        reverse("web:subjects"),
        {"action": "subject", "kind": SubjectKind.ENTERPRISE, "name": "某公司", "licence_number": "123456"},
    )
    assert "证照号码或身份证号格式无效" in field_errors(response, "licence_number")
    assert not merchant.subjects.exists()


def test_a_taken_licence_is_shown_next_to_its_field(merchant_client, make_user, make_subject):
    theirs = make_subject(make_user())
    response = merchant_client.post(
        reverse("web:subjects"),
        {"action": "subject", "kind": theirs.kind, "name": "某公司", "licence_number": theirs.licence_number},
    )
    assert "该证照号码已被其他主体使用" in field_errors(response, "licence_number")


def test_requesting_a_brand_authorisation_and_seeing_its_status(merchant_client, subject):
    prefix = f"brand-{subject.pk}"
    response = merchant_client.post(
        reverse("web:subjects"),
        {
            "action": "brand",
            "subject_id": subject.pk,
            f"{prefix}-brand": "拾光",
            f"{prefix}-certificate_number": "TM123",
        },
    )
    assert response.status_code == 302
    authorization = BrandAuthorization.objects.get(subject=subject)
    assert authorization.brand == "拾光"
    html = merchant_client.get(reverse("web:subjects")).content.decode()
    assert "拾光" in html
    assert "TM123" in html
    assert "待审核" in html


def test_a_brand_request_without_a_certificate_is_refused_in_place(merchant_client, subject):
    prefix = f"brand-{subject.pk}"
    response = merchant_client.post(
        reverse("web:subjects"), {"action": "brand", "subject_id": subject.pk, f"{prefix}-brand": "拾光"}
    )
    assert field_errors(response, f"{prefix}-certificate_number")
    assert not BrandAuthorization.objects.exists()


def test_a_brand_request_for_someone_elses_subject_is_not_found(merchant_client, make_user, make_subject):
    theirs = make_subject(make_user())
    prefix = f"brand-{theirs.pk}"
    response = merchant_client.post(
        reverse("web:subjects"),
        {
            "action": "brand",
            "subject_id": theirs.pk,
            f"{prefix}-brand": "X",
            f"{prefix}-certificate_number": "1",
        },
    )
    assert response.status_code == 404


# ------------------------------------------------------------------------------------- my stores


def test_with_no_subject_the_store_page_links_to_adding_one(merchant_client, db):
    html = merchant_client.get(reverse("web:my_stores")).content.decode()
    assert "你还没有店铺" in html
    assert 'id="no-subject"' in html
    assert reverse("web:subjects") in html
    assert 'id="store-form"' not in html


def test_with_a_subject_and_no_store_the_page_offers_the_form(merchant_client, subject, categories):
    html = merchant_client.get(reverse("web:my_stores")).content.decode()
    assert "你还没有店铺" in html
    assert 'id="store-form"' in html
    assert "hx-post" in html
    assert "\u3000女装" in html  # the category picker shows the tree


def test_creating_a_store_with_a_plain_post(merchant_client, merchant, subject, categories):
    response = merchant_client.post(reverse("web:my_stores"), store_form(subject, categories, "拾光服饰"))
    assert response.status_code == 302
    store = Store.objects.get(name="拾光服饰")
    assert store.state == StoreState.OPEN
    assert StoreStaff.objects.get(store=store).user == merchant
    html = merchant_client.get(reverse("web:my_stores")).content.decode()
    assert "拾光服饰" in html
    assert "女装" in html
    assert "店主" in html
    assert "营业中" in html
    assert "店铺“拾光服饰”已创建。" in html


def test_creating_a_store_through_htmx_swaps_the_form_and_the_list(merchant_client, subject, categories):
    response = merchant_client.post(
        reverse("web:my_stores"), store_form(subject, categories, "拾光服饰"), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # a partial
    assert html.lstrip().startswith('<form method="post"')
    assert 'id="store-list" hx-swap-oob="true"' in html
    assert "拾光服饰" in html
    assert Store.objects.filter(name="拾光服饰").exists()


def test_an_htmx_refusal_comes_back_in_the_form_partial(merchant_client, subject, categories):
    response = merchant_client.post(
        reverse("web:my_stores"), store_form(subject, categories, "官方好物"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert RESERVED in field_errors(response, "name")
    assert "hx-swap-oob" not in response.content.decode()


@pytest.mark.parametrize("name", ["官方好物", "ＯＦＦＩＣＩＡＬ好物", "好物旗 舰店", "Flagship好物"])
def test_a_reserved_word_in_an_ordinary_store_name_is_shown_next_to_the_name(
    merchant_client, subject, categories, name
):
    response = merchant_client.post(reverse("web:my_stores"), store_form(subject, categories, name))
    assert response.status_code == 200
    assert RESERVED in field_errors(response, "name")
    assert field_errors(response, "subject_id") == ""
    assert not Store.objects.exists()


def test_a_name_taken_after_normalisation_is_shown_next_to_the_name(
    merchant_client, store, subject, categories
):
    response = merchant_client.post(
        reverse("web:my_stores"), store_form(subject, categories, " 拾 光　服饰 ")
    )
    assert "店铺名称已被使用" in field_errors(response, "name")
    assert Store.objects.count() == 1


def test_a_latin_name_taken_in_another_width_and_case(
    merchant_client, make_store, merchant, subject, categories
):
    make_store(merchant, subject, name="Shiguang Shop")
    response = merchant_client.post(
        reverse("web:my_stores"), store_form(subject, categories, "ＳＨＩＧＵＡＮＧ shop")
    )
    assert "店铺名称已被使用" in field_errors(response, "name")


def test_a_too_short_name_is_shown_next_to_the_name(merchant_client, subject, categories):
    response = merchant_client.post(reverse("web:my_stores"), store_form(subject, categories, "店"))
    assert "店铺名称需为 2–30 个字符" in field_errors(response, "name")


def test_a_brand_store_without_an_authorisation_is_shown_next_to_the_kind(
    merchant_client, subject, categories
):
    response = merchant_client.post(
        reverse("web:my_stores"), store_form(subject, categories, "拾光官方旗舰店", kind=StoreKind.BRAND)
    )
    assert "品牌店铺需要已审核通过的品牌授权" in field_errors(response, "kind")


def test_the_31st_store_for_one_licence_is_refused_next_to_the_subject(
    merchant_client, make_store, merchant, subject, categories
):
    for n in range(30):
        make_store(merchant, subject, name=f"第{n}号店")
    response = merchant_client.post(reverse("web:my_stores"), store_form(subject, categories, "第三十一号店"))
    assert "每个证照最多开 30 家店铺" in field_errors(response, "subject_id")
    assert Store.objects.count() == 30


def test_only_my_subjects_can_be_chosen(merchant_client, make_user, make_subject, subject, categories):
    theirs = make_subject(make_user())
    response = merchant_client.post(reverse("web:my_stores"), store_form(theirs, categories, "别人的店"))
    assert field_errors(response, "subject_id")
    assert not Store.objects.exists()


def test_the_store_list_costs_a_fixed_number_of_queries(
    merchant_client, make_store, merchant, subject, categories, django_assert_max_num_queries
):
    make_store(merchant, subject)
    with django_assert_max_num_queries(8) as few:
        merchant_client.get(reverse("web:my_stores"))
    for _ in range(6):
        make_store(merchant, subject)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = merchant_client.get(reverse("web:my_stores")).content.decode()
    assert html.count('class="card store"') == 7


# ---------------------------------------------------------------------------------- store settings


def test_saving_store_settings(merchant_client, store, categories):
    response = merchant_client.post(
        reverse("web:store_settings", args=[store.pk]),
        {
            "action": "update",
            "name": "拾光服饰二号",
            "description": "好看的衣服",
            "main_category_id": categories["男装"].pk,
        },
    )
    assert response.status_code == 302
    store.refresh_from_db()
    assert (store.name, store.description, store.main_category_id) == (
        "拾光服饰二号",
        "好看的衣服",
        categories["男装"].pk,
    )


def test_a_reserved_word_in_the_new_name_is_shown_in_place_and_nothing_changes(
    merchant_client, store, categories
):
    response = merchant_client.post(
        reverse("web:store_settings", args=[store.pk]),
        {
            "action": "update",
            "name": "拾光直营",
            "description": "",
            "main_category_id": store.main_category_id,
        },
    )
    assert RESERVED in field_errors(response, "name")
    assert "<h1>拾光服饰</h1>" in response.content.decode()  # the header still shows the saved name
    store.refresh_from_db()
    assert store.name == "拾光服饰"


def test_contact_details_in_the_description_are_shown_in_place(merchant_client, store):
    response = merchant_client.post(
        reverse("web:store_settings", args=[store.pk]),
        {
            "action": "update",
            "name": store.name,
            "description": "加微信 abc12345 13800138000",
            "main_category_id": store.main_category_id,
        },
    )
    assert "店铺简介不能包含联系方式" in field_errors(response, "description")


def test_the_deposit_table_shows_what_each_category_asks(merchant_client, store, categories):
    html = merchant_client.get(reverse("web:store_settings", args=[store.pk])).content.decode()
    assert "服饰鞋包" in html
    assert "¥2,000.00" in html  # the main category's top-level deposit
    assert "¥10,000.00" in html  # 酒类 sets its own
    assert "无需保证金" in html  # 家居日用
    assert "缴纳保证金" in html


def test_paying_a_deposit(merchant_client, store, categories):
    top = categories["服饰鞋包"]
    response = merchant_client.post(
        reverse("web:store_settings", args=[store.pk]), {"action": "deposit", "category_id": top.pk}
    )
    assert response.status_code == 302
    deposit = pay_deposit_in_sandbox(StoreDeposit.objects.get(store=store, category=top))
    assert deposit.status == DepositStatus.PAID
    assert deposit.amount_fen == 200_000
    html = merchant_client.get(reverse("web:store_settings", args=[store.pk])).content.decode()
    row = html.split(f'id="deposit-{top.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "已缴纳" in row
    assert "缴纳保证金" not in row


def test_paying_a_deposit_twice_is_refused_on_the_page(merchant_client, store, categories):
    top = categories["服饰鞋包"]
    pay_deposit_in_sandbox(stores.pay_deposit(store=store, category_id=top.pk))
    response = merchant_client.post(
        reverse("web:store_settings", args=[store.pk]), {"action": "deposit", "category_id": top.pk}
    )
    assert response.status_code == 200
    assert "该类目的保证金已缴纳" in form_errors(response)


def test_upgrading_a_legacy_video_store(merchant_client, make_store, merchant, subject):
    legacy = make_store(merchant, subject, name="老视频号小店", legacy_video=True)
    html = merchant_client.get(reverse("web:store_settings", args=[legacy.pk])).content.decode()
    assert "未升级" in html
    assert "升级店铺" in html
    response = merchant_client.post(reverse("web:store_settings", args=[legacy.pk]), {"action": "upgrade"})
    assert response.status_code == 302
    legacy.refresh_from_db()
    assert legacy.upgraded_at is not None
    assert "已升级" in merchant_client.get(reverse("web:store_settings", args=[legacy.pk])).content.decode()


def test_closing_needs_confirmation(merchant_client, store):
    response = merchant_client.post(reverse("web:store_settings", args=[store.pk]), {"action": "close"})
    assert "请勾选确认后再关闭店铺" in field_errors(response, "confirm")
    store.refresh_from_db()
    assert store.state == StoreState.OPEN


def test_closing_a_store_refunds_its_deposits(merchant_client, store, categories):
    pay_deposit_in_sandbox(stores.pay_deposit(store=store, category_id=categories["服饰鞋包"].pk))
    response = merchant_client.post(
        reverse("web:store_settings", args=[store.pk]), {"action": "close", "confirm": "on"}
    )
    assert response.status_code == 302
    store.refresh_from_db()
    assert store.state == StoreState.CLOSED
    assert StoreDeposit.objects.get(store=store).status == DepositStatus.REFUNDED
    html = merchant_client.get(reverse("web:store_settings", args=[store.pk])).content.decode()
    assert "已关闭" in html
    assert "已退还" in html


def test_a_finance_member_pays_deposits_but_cannot_edit_the_store(store, make_user, client_for, categories):
    accountant = make_user("accountant")
    StoreStaff.objects.create(store=store, user=accountant, role=Role.FINANCE)
    client = client_for(accountant)
    url = reverse("web:store_settings", args=[store.pk])
    html = client.get(url).content.decode()
    assert "缴纳保证金" in html
    assert 'name="action" value="update"' not in html
    assert (
        client.post(
            url, {"action": "update", "name": "改名", "main_category_id": store.main_category_id}
        ).status_code
        == 403
    )
    assert (
        client.post(url, {"action": "deposit", "category_id": categories["服饰鞋包"].pk}).status_code == 302
    )


@pytest.mark.parametrize("name", ["store_settings", "store_staff"])
def test_a_foreign_users_store_pages_are_not_found(client_for, make_user, store, name):
    stranger = client_for(make_user("stranger"))
    url = reverse(f"web:{name}", args=[store.pk])
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, {"action": "close", "confirm": "on"}).status_code == 404
    store.refresh_from_db()
    assert store.state == StoreState.OPEN


def test_the_staff_page_needs_the_staff_permission(store, make_user, client_for):
    agent = make_user("agent")
    StoreStaff.objects.create(store=store, user=agent, role=Role.AGENT)
    assert client_for(agent).get(reverse("web:store_staff", args=[store.pk])).status_code == 403


# ------------------------------------------------------------------------------------------ staff


def test_adding_and_removing_a_staff_member_by_username(merchant_client, store, make_user):
    helper = make_user("helper")
    url = reverse("web:store_staff", args=[store.pk])
    response = merchant_client.post(url, {"action": "add", "username": "Helper", "role": Role.AGENT})
    assert response.status_code == 302
    member = StoreStaff.objects.get(store=store, user=helper)
    assert member.role == Role.AGENT
    html = merchant_client.get(url).content.decode()
    assert "helper" in html
    assert "客服" in html
    response = merchant_client.post(url, {"action": "remove", "staff_id": member.pk})
    assert response.status_code == 302
    assert not StoreStaff.objects.filter(pk=member.pk).exists()


def test_an_unknown_username_is_shown_next_to_the_field(merchant_client, store):
    response = merchant_client.post(
        reverse("web:store_staff", args=[store.pk]),
        {"action": "add", "username": "nobody", "role": Role.AGENT},
    )
    assert "没有这个用户名的用户" in field_errors(response, "username")


def test_adding_someone_twice_is_shown_next_to_the_username(merchant_client, store, make_user):
    helper = make_user("helper")
    StoreStaff.objects.create(store=store, user=helper, role=Role.AGENT)
    response = merchant_client.post(
        reverse("web:store_staff", args=[store.pk]),
        {"action": "add", "username": "helper", "role": Role.FINANCE},
    )
    assert "该用户已是店铺员工" in field_errors(response, "username")


def test_an_admin_cannot_grant_admin(store, make_user, client_for):
    admin = make_user("admin")
    StoreStaff.objects.create(store=store, user=admin, role=Role.ADMIN)
    make_user("other")
    response = client_for(admin).post(
        reverse("web:store_staff", args=[store.pk]),
        {"action": "add", "username": "other", "role": Role.ADMIN},
    )
    assert field_errors(response, "role")  # not among the choices an admin is offered
    assert not StoreStaff.objects.filter(user__username="other").exists()


def test_the_owner_cannot_be_removed(merchant_client, store):
    owner = StoreStaff.objects.get(store=store, role=Role.OWNER)
    response = merchant_client.post(
        reverse("web:store_staff", args=[store.pk]), {"action": "remove", "staff_id": owner.pk}, follow=True
    )
    assert "店铺必须且只能有一位店主" in response.content.decode()
    assert StoreStaff.objects.filter(pk=owner.pk).exists()


# ---------------------------------------------------------------------------------------- English


def test_the_language_switch_gives_english(merchant_client, store):
    response = merchant_client.post(
        reverse("set_language"), {"language": "en", "next": reverse("web:my_stores")}
    )
    assert response.status_code == 302
    html = merchant_client.get(reverse("web:my_stores")).content.decode()
    assert 'lang="en"' in html
    assert "My stores" in html
    assert "Sign out" in html
    assert "Open a new store" in html
    assert "我的店铺" not in html


def test_rule_errors_come_in_english_too(merchant_client, subject, categories):
    merchant_client.post(reverse("set_language"), {"language": "en"})
    response = merchant_client.post(reverse("web:my_stores"), store_form(subject, categories, "官方好物"))
    assert "reserved" in field_errors(response, "name").lower()


def test_the_switch_back_to_chinese(client, db):
    client.post(reverse("set_language"), {"language": "en"})
    client.post(reverse("set_language"), {"language": "zh-hans"})
    assert "首页" in client.get(reverse("web:home")).content.decode()


# ---------------------------------------------------------------------------------- query budgets


def test_store_settings_cost_a_fixed_number_of_queries(
    merchant_client, store, categories, django_assert_max_num_queries
):
    url = reverse("web:store_settings", args=[store.pk])
    merchant_client.get(url)  # the rules row is created on first read
    with django_assert_max_num_queries(10) as before:
        merchant_client.get(url)
    for name in ("服饰鞋包", "食品饮料", "酒类", "美妆个护"):
        pay_deposit_in_sandbox(stores.pay_deposit(store=store, category_id=categories[name].pk))
    with django_assert_max_num_queries(len(before.captured_queries)):
        html = merchant_client.get(url).content.decode()
    assert html.count('class="badge paid"') == 4


def test_subjects_and_staff_pages_cost_a_fixed_number_of_queries(
    merchant_client, merchant, make_user, make_subject, store, django_assert_max_num_queries
):
    pages = [reverse("web:subjects"), reverse("web:store_staff", args=[store.pk])]
    budgets = []
    for url in pages:
        with django_assert_max_num_queries(10) as counted:
            merchant_client.get(url)
        budgets.append(len(counted.captured_queries))
    for n in range(3):
        subject = make_subject(merchant)
        stores.request_brand_authorization(subject=subject, brand=f"品牌{n}", certificate_number=f"TM{n}")
        StoreStaff.objects.create(store=store, user=make_user(), role=Role.AGENT)
    for url, budget in zip(pages, budgets, strict=True):
        with django_assert_max_num_queries(budget):
            assert merchant_client.get(url).status_code == 200


# ------------------------------------------------------------------------------------- the catalog

CATALOG = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"


def po_entries(path: Path) -> list[dict]:
    """The live entries of a PO file, the header first, each a dict: `flags` (a set), `msgctxt` and
    `msgid_plural` (None when absent), `msgid`, and `msgstr`, a list: the one translation, or the
    plural forms in order. Obsolete (`#~`) entries are left out; a line it cannot read fails."""
    entries, entry, where = [], {}, ""

    def finish():
        if "msgid" in entry:
            plural = "msgid_plural" in entry
            forms = sorted(int(key[7:-1]) for key in entry if key.startswith("msgstr["))
            assert ("msgstr" not in entry) == plural and forms == list(range(len(forms))), where
            entries.append(
                {
                    "flags": entry.get("flags", set()),
                    "msgctxt": entry.get("msgctxt"),
                    "msgid": entry["msgid"],
                    "msgid_plural": entry.get("msgid_plural"),
                    "msgstr": [entry[f"msgstr[{n}]"] for n in forms] if plural else [entry["msgstr"]],
                }
            )
        entry.clear()

    key = None
    for number, line in enumerate([*path.read_text(encoding="utf-8").splitlines(), ""], 1):
        where = f"{path.name}:{number}"
        translated = any(k.startswith("msgstr") for k in entry)
        if not line.strip() or (translated and line.startswith(("#", "msgctxt ", "msgid "))):
            finish()  # entries are separated by blank lines, or a new one starts
            key = None
        if not line.strip() or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            entry.setdefault("flags", set()).update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue  # translator and extracted comments, references, previous msgids (#|)
        elif line.startswith('"'):
            assert key, f"{where}: a string outside any field"
            entry[key] += ast.literal_eval(line)
        else:
            match = re.fullmatch(r'(msgctxt|msgid|msgid_plural|msgstr|msgstr\[\d+\]) (".*")', line)
            assert match and match[1] not in entry, f"{where}: cannot read {line!r}"
            key = match[1]
            entry[key] = ast.literal_eval(match[2])
    return entries


def placeholders(text: str, python_format: bool) -> list[str]:
    """The `{name}` fields in a message, and its %-format placeholders (`%%` left out) when it is
    python-format."""
    found = re.findall(r"\{\w*\}", text)
    if python_format:
        pattern = r"%(?:\(\w+\))?[#0 +-]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa]"
        found += re.findall(pattern, text.replace("%%", ""))
    return sorted(found)


def placeholders_kept(entry: dict) -> bool:
    """The translation uses the message's placeholders: the same ones; in a plural entry each form
    some of them (English "one item" may leave out the count) and the forms all of them."""
    python_format = "python-format" in entry["flags"]
    forms = [placeholders(form, python_format) for form in entry["msgstr"]]
    if entry["msgid_plural"] is None:
        return forms[0] == placeholders(entry["msgid"], python_format)
    source = {
        *placeholders(entry["msgid"], python_format),
        *placeholders(entry["msgid_plural"], python_format),
    }
    return all(set(form) <= source for form in forms) and set().union(*forms) == source


def test_the_english_catalog_is_complete_and_compiled():
    """Every message has its English (each plural form too), none is left fuzzy, the placeholders
    survive, and django.mo is django.po compiled, entry for entry (`msgfmt --check -o django.mo
    django.po`): a string with no English, or a .mo not compiled again, fails here."""
    header, *entries = po_entries(CATALOG / "django.po")
    assert header["msgid"] == "" and "\nPlural-Forms: nplurals=2; plural=(n != 1);\n" in header["msgstr"][0]
    assert len(entries) > 100
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"] or "fuzzy" in header["flags"]] == []
    assert [e["msgid"] for e in entries if not all(e["msgstr"])] == []
    assert [e["msgid"] for e in entries if len(e["msgstr"]) != (1 if e["msgid_plural"] is None else 2)] == []
    assert [e["msgid"] for e in entries if not placeholders_kept(e)] == []

    # what msgfmt makes of the .po: the keys GNUTranslations reads (`context\x04msgid`, and
    # `(msgid, form)` for a plural entry), and the header, less the POT-Creation-Date msgfmt drops
    expected = {"": re.sub(r"(?m)^POT-Creation-Date: .*\n", "", header["msgstr"][0])}
    for e in entries:
        key = e["msgid"] if e["msgctxt"] is None else f"{e['msgctxt']}\x04{e['msgid']}"
        if e["msgid_plural"] is None:
            assert key not in expected, f"duplicate entry {key!r}"
            expected[key] = e["msgstr"][0]
        else:
            expected.update({(key, n): form for n, form in enumerate(e["msgstr"])})
    with open(CATALOG / "django.mo", "rb") as compiled:
        mo = gettext.GNUTranslations(compiled)
    assert mo._catalog == expected, "django.mo is out of date: run msgfmt --check -o django.mo django.po"
    assert [mo.plural(n) for n in (0, 1, 2)] == [1, 0, 1]
    for e in entries:  # and as Django asks for them
        context, msgid, plural = e["msgctxt"], e["msgid"], e["msgid_plural"]
        if plural is None:
            found = mo.pgettext(context, msgid) if context is not None else mo.gettext(msgid)
            assert found == e["msgstr"][0], msgid
        else:
            for n in (1, 2):
                found = (
                    mo.npgettext(context, msgid, plural, n)
                    if context is not None
                    else mo.ngettext(msgid, plural, n)
                )
                assert found == e["msgstr"][mo.plural(n)], msgid


def test_paying_a_deposit_goes_to_the_wechat_pay_page_and_comes_back(client, merchant, store, categories):
    from xiaodian.stores.models import StoreDeposit
    from xiaodian.wechatpay_sandbox import services as sandbox

    client.force_login(merchant)
    url = f"/stores/{store.pk}/settings/"
    r = client.post(url, {"action": "deposit", "category_id": categories["女装"].pk})
    assert r.status_code == 302 and r["Location"].startswith("/sandbox/wechatpay/pay/")
    assert r["Location"].endswith(f"?return={url}")
    deposit = StoreDeposit.objects.get(store=store)
    assert deposit.status == "pending"
    sandbox.pay_for(deposit.transaction_id)
    assert StoreDeposit.objects.get(pk=deposit.pk).status == "paid"


def test_every_translatable_string_in_the_code_is_in_the_catalog(tmp_path):
    """Extract the messages afresh (Django's makemessages, on a copy of the package) and check the
    English catalog holds every one of them: a string added to the code or a template without its
    English fails here, not only one added to the .po without it."""
    package = CATALOG.parents[2]
    copy = tmp_path / "xiaodian"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("locale", "tests", "__pycache__", "static"))
    (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-location"],
        cwd=copy,
        env={**os.environ, "PYTHONPATH": str(tmp_path), "DJANGO_SETTINGS_MODULE": "xiaodian.settings"},
        check=True,
        capture_output=True,
        timeout=120,
    )
    extracted = {(e["msgctxt"], e["msgid"]) for e in po_entries(copy / "locale/en/LC_MESSAGES/django.po")[1:]}
    catalog = {(e["msgctxt"], e["msgid"]) for e in po_entries(CATALOG / "django.po")[1:]}
    assert len(extracted) > 100
    assert sorted(extracted - catalog, key=str) == [], "add these to django.po (with English) and compile it"

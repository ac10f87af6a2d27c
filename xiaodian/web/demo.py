"""The demo data of CONTRACT.md: six accounts (password demo12345) and the merchant's stores."""

from django.db import transaction

from xiaodian.accounts import licences
from xiaodian.accounts import services as accounts
from xiaodian.accounts.models import User
from xiaodian.accounts.rules import Role, SubjectKind, Verification
from xiaodian.stores import services as stores
from xiaodian.stores.models import Category
from xiaodian.stores.rules import StoreKind

PASSWORD = "demo12345"
ACCOUNTS = (
    ("buyer", "小王（买家）"),
    ("buyer2", "小李（买家）"),
    ("merchant", "陈老板（商家）"),
    ("agent", "小周（客服）"),
    ("creator", "阿梅（达人）"),
    ("ops", "平台运营"),
)
# name, leaf category, kind, description, deposit categories to pay, legacy video store
STORES = (
    ("山野官方旗舰店", "茶叶", StoreKind.BRAND, "山野品牌直供的高山茶，产地直发。", ("茶叶",), False),
    ("拾光服饰", "女装", StoreKind.ORDINARY, "通勤与周末的简约女装，每周上新。", ("女装",), False),
    ("好物书房", "图书", StoreKind.ORDINARY, "编辑精选的好书与文具，零保证金类目。", (), False),
    ("小满的果园", "水果", StoreKind.ORDINARY, "老视频号小店，尚未升级。", (), True),
)


@transaction.atomic
def seed_demo(stdout=None) -> None:
    say = stdout.write if stdout else (lambda _msg: None)
    stores.install_default_categories()
    users = {
        name: accounts.register_user(username=name, password=PASSWORD, display_name=shown)
        for name, shown in ACCOUNTS
    }
    ops = users["ops"]
    User.objects.filter(pk=ops.pk).update(is_staff=True, is_superuser=True)
    ops.refresh_from_db()

    merchant = users["merchant"]
    subject = accounts.create_subject(
        owner=merchant,
        kind=SubjectKind.ENTERPRISE,
        name="山野示范商贸有限公司",
        licence_number=licences.make_uscc(20261122),
        trade_name="山野",
    )
    accounts.set_subject_verification(operator=ops, subject=subject, verification=Verification.VERIFIED)
    brand = stores.request_brand_authorization(
        subject=subject, brand="山野", certificate_number="TM-35123456"
    )
    stores.review_brand_authorization(operator=ops, authorization=brand, approve=True)
    accounts.create_subject(
        owner=users["creator"],
        kind=SubjectKind.INDIVIDUAL,
        name="阿梅",
        licence_number=licences.make_resident_id(7),
    )

    by_name = {c.name: c for c in Category.objects.all()}
    for index, (name, leaf, kind, description, deposits, legacy) in enumerate(STORES):
        store = stores.create_store(
            user=merchant,
            subject_id=subject.pk,
            name=name,
            main_category_id=by_name[leaf].pk,
            kind=kind,
            legacy_video=legacy,
        )
        stores.update_store(store=store, description=description)
        for category in deposits:
            stores.pay_deposit(store=store, category_id=by_name[category].pk)
        if index == 0:
            stores.add_staff(store=store, user_id=users["agent"].pk, role=Role.AGENT)
        say(f"  store #{store.pk} {store.name} ({kind}, {leaf})")
    say(f"xiaodian: demo data seeded (password {PASSWORD} for every account)")

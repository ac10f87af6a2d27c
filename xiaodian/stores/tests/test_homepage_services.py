"""The store homepage's rules: module shapes and limits, ownership of everything a module names,
editing the draft (add, configure, reorder, remove), publishing and what the store page shows."""

from contextlib import contextmanager

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from xiaodian.core.errors import DomainError
from xiaodian.core.tests.qr import qr_code_upload
from xiaodian.stores import homepage, selectors, services
from xiaodian.stores.models import Homepage, StoreLink

from .homepage_world import banner_path, every_kind, image_bytes, listed_product, make_content, png, set_state


@pytest.fixture
def products(store):
    return [listed_product(store, f"商品{i}", 1000 + i) for i in range(3)]


@pytest.fixture
def bound(store, merchant):
    return make_content(store, merchant)


@pytest.fixture
def other_store(make_user, make_subject, make_store):
    owner = make_user()
    return make_store(owner, make_subject(owner), name="隔壁小店")


@pytest.fixture
def image(store):
    return banner_path(store)


@contextmanager
def refused(code: str, field: str | None = None):
    """The block raises a DomainError with this code (and field)."""
    with pytest.raises(DomainError) as info:
        yield info
    assert info.value.code == code, info.value
    if field is not None:
        assert info.value.field == field, info.value


# ---------------------------------------------------------------------------------- shapes


def test_every_module_type_is_saved_in_its_full_shape(store, products, bound, image):
    page = services.save_homepage_draft(store=store, modules=every_kind(store, bound, products, image=image))
    assert [m["type"] for m in page.draft] == [
        "banner",
        "product_grid",
        "product_grid",
        "articles",
        "videos",
        "mini_program",
    ]
    assert page.draft[0] == {
        "type": "banner",
        "image": image,
        "title": "春季上新",
        "product_id": products[0].pk,
    }
    assert page.draft[2] == {
        "type": "product_grid",
        "title": "新品",
        "mode": "auto",
        "product_ids": [],
        "limit": 4,
    }
    assert page.draft[5] == {"type": "mini_program", "mini_program_id": bound.program.pk}
    assert page.published == [] and page.version == 0  # nothing is public until published
    assert Homepage.objects.get(store=store).draft == page.draft


def test_an_unknown_module_type_is_refused_naming_it(store):
    with refused("homepage_module_unknown", "modules.1.type") as info:
        services.save_homepage_draft(
            store=store, modules=[{"type": "product_grid", "mode": "auto"}, {"type": "coupon"}]
        )
    assert "coupon" in info.value.message


def test_more_than_twenty_modules_are_refused(store):
    grid = {"type": "product_grid", "mode": "auto"}
    services.save_homepage_draft(store=store, modules=[grid] * homepage.MODULES_MAX)
    with refused("homepage_modules_limit_reached", "modules"):
        services.save_homepage_draft(store=store, modules=[grid] * (homepage.MODULES_MAX + 1))
    with refused("homepage_modules_limit_reached", "modules"):
        services.add_homepage_module(store=store, module=grid)
    assert len(selectors.homepage_of(store).draft) == homepage.MODULES_MAX


@pytest.mark.parametrize(
    ("module", "field"),
    [
        ({"type": "banner", "title": "无图"}, "modules.0.image"),
        ({"type": "banner", "image": "x", "title": "长" * 31}, "modules.0.title"),
        ({"type": "banner", "image": "x", "colour": "red"}, "modules.0.colour"),
        ({"type": "product_grid", "mode": "chosen", "product_ids": []}, "modules.0.product_ids"),
        ({"type": "product_grid", "mode": "random"}, "modules.0.mode"),
        ({"type": "product_grid", "mode": "auto", "limit": 21}, "modules.0.limit"),
        ({"type": "product_grid", "product_ids": list(range(1, 22))}, "modules.0.product_ids"),
        ({"type": "product_grid", "product_ids": [0]}, "modules.0.product_ids.0"),
        ({"type": "articles", "article_ids": []}, "modules.0.article_ids"),
        ({"type": "articles", "article_ids": list(range(1, 12))}, "modules.0.article_ids"),
        ({"type": "videos"}, "modules.0.video_ids"),
        ({"type": "mini_program", "mini_program_id": "abc"}, "modules.0.mini_program_id"),
        ("banner", "modules.0"),
    ],
)
def test_malformed_modules_are_refused_naming_the_field(store, module, field):
    with refused("validation_error", field) as info:
        services.save_homepage_draft(store=store, modules=[module])
    assert info.value.message


def test_titles_may_not_carry_contact_details(store):
    with refused("contact_details_not_allowed", "modules.0.title"):
        services.save_homepage_draft(
            store=store, modules=[{"type": "product_grid", "mode": "auto", "title": "加微信 abc12345"}]
        )


def test_chosen_ids_are_deduplicated_and_auto_grids_drop_them(store, products):
    ids = [products[1].pk, products[0].pk, products[1].pk]
    page = services.save_homepage_draft(
        store=store,
        modules=[
            {"type": "product_grid", "product_ids": ids},
            {"type": "product_grid", "mode": "auto", "product_ids": ids, "title": "  最新  "},
        ],
    )
    assert page.draft[0]["product_ids"] == [products[1].pk, products[0].pk]
    assert page.draft[1]["product_ids"] == [] and page.draft[1]["title"] == "最新"


# ------------------------------------------------------------------------- what modules name


def test_a_grid_takes_only_listed_products_of_this_store(store, products, other_store):
    foreign = listed_product(other_store, "别家商品")
    draft = listed_product(store, "草稿商品", state="draft")
    delisted = listed_product(store, "下架商品", state="delisted")
    for bad in (foreign, draft, delisted):
        with refused("homepage_product_unavailable", "modules.0.product_ids") as info:
            services.save_homepage_draft(
                store=store, modules=[{"type": "product_grid", "product_ids": [products[0].pk, bad.pk]}]
            )
        assert str(bad.pk) in info.value.message
    with refused("homepage_product_unavailable", "modules.0.product_ids"):
        services.save_homepage_draft(store=store, modules=[{"type": "product_grid", "product_ids": [10**12]}])
    assert selectors.homepage_of(store).draft == []


def test_a_banner_links_only_to_a_listed_product_of_this_store(store, image, other_store):
    foreign = listed_product(other_store, "别家商品")
    with refused("homepage_product_unavailable", "modules.0.product_id"):
        services.save_homepage_draft(
            store=store, modules=[{"type": "banner", "image": image, "product_id": foreign.pk}]
        )
    page = services.save_homepage_draft(store=store, modules=[{"type": "banner", "image": image}])
    assert page.draft[0]["product_id"] is None


def test_a_banner_image_must_be_one_uploaded_for_this_store(store, other_store):
    theirs = banner_path(other_store)
    gone = banner_path(store)
    default_storage.delete(gone)
    for path in (theirs, gone, "store-banners/../avatars/x.png", f"store-banners/{store.pk}/nothere.png"):
        with refused("homepage_image_unknown", "modules.0.image"):
            services.save_homepage_draft(store=store, modules=[{"type": "banner", "image": path}])
    mine = banner_path(store)
    assert mine.startswith(f"store-banners/{store.pk}/") and default_storage.exists(mine)
    assert services.save_homepage_draft(store=store, modules=[{"type": "banner", "image": mine}]).draft


def test_articles_and_videos_must_be_published_and_from_bound_accounts(store, merchant, bound, make_user):
    stranger_content = make_content(store, make_user(), bind=False)  # not bound: no consent asked
    cases = [
        ("articles", "article_ids", bound.draft_article.pk),
        ("articles", "article_ids", stranger_content.article.pk),
        ("videos", "video_ids", bound.draft_video.pk),
        ("videos", "video_ids", stranger_content.video.pk),
    ]
    for kind, name, item_id in cases:
        with refused("homepage_content_unavailable", f"modules.0.{name}"):
            services.save_homepage_draft(store=store, modules=[{"type": kind, name: [item_id]}])
    page = services.save_homepage_draft(
        store=store,
        modules=[
            {"type": "articles", "article_ids": [bound.article.pk]},
            {"type": "videos", "video_ids": [bound.video.pk]},
        ],
    )
    assert len(page.draft) == 2


def test_a_mini_program_card_needs_a_bound_mini_program(store, bound, make_user):
    unbound = make_content(store, make_user(), bind=False).program
    with refused("homepage_content_unavailable", "modules.0.mini_program_id"):
        services.save_homepage_draft(
            store=store, modules=[{"type": "mini_program", "mini_program_id": unbound.pk}]
        )
    assert services.save_homepage_draft(
        store=store, modules=[{"type": "mini_program", "mini_program_id": bound.program.pk}]
    ).draft


def test_an_invited_account_is_not_bound_until_its_owner_accepts(store, merchant, make_user):
    owner = make_user()
    theirs = make_content(store, owner, bind=False)
    link = services.invite_link(
        store=store, user=merchant, kind="official_account", account_id=theirs.official.pk
    )
    module = {"type": "articles", "article_ids": [theirs.article.pk]}
    with refused("homepage_content_unavailable"):
        services.save_homepage_draft(store=store, modules=[module])
    services.accept_link(user=owner, link_id=link.pk)
    assert services.save_homepage_draft(store=store, modules=[module]).draft


# ------------------------------------------------------------------------------ editing the draft


def grid(title: str) -> dict:
    return {"type": "product_grid", "mode": "auto", "title": title}


def titles(store) -> list[str]:
    return [m.get("title") for m in selectors.homepage_of(store).draft]


def test_add_configure_reorder_and_remove_modules(store, products):
    for title in "ABC":
        services.add_homepage_module(store=store, module=grid(title))
    assert titles(store) == ["A", "B", "C"]
    services.move_homepage_module(store=store, index=2, offset=-1)
    assert titles(store) == ["A", "C", "B"]
    services.move_homepage_module(store=store, index=0, offset=1)
    assert titles(store) == ["C", "A", "B"]
    services.move_homepage_module(store=store, index=0, offset=-1)  # already first: stays
    services.move_homepage_module(store=store, index=2, offset=1)  # already last: stays
    assert titles(store) == ["C", "A", "B"]
    services.update_homepage_module(
        store=store,
        index=1,
        module={"type": "product_grid", "title": "选品", "product_ids": [products[2].pk]},
    )
    assert selectors.homepage_of(store).draft[1]["product_ids"] == [products[2].pk]
    services.remove_homepage_module(store=store, index=0)
    assert titles(store) == ["选品", "B"]
    for bad in (2, -1):
        with refused("not_found"):
            services.remove_homepage_module(store=store, index=bad)
        with refused("not_found"):
            services.move_homepage_module(store=store, index=bad, offset=1)
        with refused("not_found"):
            services.update_homepage_module(store=store, index=bad, module=grid("X"))
    assert titles(store) == ["选品", "B"]


def test_configuring_a_module_checks_it_and_leaves_the_draft_alone_when_refused(store, products):
    services.add_homepage_module(store=store, module=grid("A"))
    with refused("homepage_product_unavailable", "modules.0.product_ids"):
        services.update_homepage_module(
            store=store, index=0, module={"type": "product_grid", "product_ids": [10**9]}
        )
    assert titles(store) == ["A"]


def test_a_stale_module_does_not_block_adding_but_blocks_publishing(store, products):
    services.add_homepage_module(
        store=store, module={"type": "product_grid", "product_ids": [products[0].pk]}
    )
    set_state(products[0], "delisted")
    services.add_homepage_module(store=store, module=grid("B"))  # only the new module is checked
    with refused("homepage_product_unavailable", "modules.0.product_ids"):
        services.publish_homepage(store=store)
    assert selectors.homepage_of(store).version == 0


# ------------------------------------------------------------------------------------ publishing


def test_publishing_copies_the_draft_and_counts_versions(store, products):
    with refused("homepage_empty"):
        services.publish_homepage(store=store)
    services.save_homepage_draft(store=store, modules=[grid("第一版")])
    first = services.publish_homepage(store=store)
    assert (first.version, first.published) == (1, first.draft)
    assert first.published_at is not None
    services.save_homepage_draft(store=store, modules=[grid("第二版"), grid("更多")])
    page = selectors.homepage_of(store)
    assert [m["title"] for m in page.published] == ["第一版"]  # the draft is not public yet
    assert [m.title for m in selectors.shop_page(store.pk).modules] == ["第一版"]
    second = services.publish_homepage(store=store)
    assert second.version == 2 and second.published_at >= first.published_at
    assert [m.title for m in selectors.shop_page(store.pk).modules] == ["第二版", "更多"]


def test_a_store_that_is_closing_cannot_edit_its_homepage(store, image):
    services.save_homepage_draft(store=store, modules=[grid("A")])
    type(store).objects.filter(pk=store.pk).update(state="closing")
    store.refresh_from_db()
    for call in (
        lambda: services.save_homepage_draft(store=store, modules=[grid("B")]),
        lambda: services.add_homepage_module(store=store, module=grid("B")),
        lambda: services.publish_homepage(store=store),
        lambda: services.upload_homepage_image(store=store, upload=png()),
    ):
        with refused("store_not_open"):
            call()


def test_compose_homepage_saves_and_publishes_in_one_call(store, products, bound, image):
    page = services.compose_homepage(store=store, modules=every_kind(store, bound, products, image=image))
    assert page.version == 1 and len(page.published) == 6
    draft_only = services.compose_homepage(store=store, modules=[grid("草稿")], publish=False)
    assert draft_only.version == 1 and draft_only.draft == [dict(grid("草稿"), product_ids=[], limit=6)]


# -------------------------------------------------------------------------------- banner images


def test_banner_images_are_checked_and_kept_under_the_store(store):
    path = services.upload_homepage_image(store=store, upload=png(size=(20, 10)))
    assert path.startswith(f"store-banners/{store.pk}/") and path.endswith(".png")
    with default_storage.open(path) as stored:
        assert stored.read() == image_bytes(size=(20, 10))
    with refused("image_invalid", "image"):
        services.upload_homepage_image(store=store, upload=SimpleUploadedFile("x.png", b"not an image"))
    with refused("image_invalid", "image"):
        services.upload_homepage_image(store=store, upload=png(size=(homepage.BANNER_MAX_PIXELS + 1, 1)))
    with refused("validation_error", "image"):
        services.upload_homepage_image(store=store, upload=None)
    with refused("qr_code_not_allowed", "image"):  # DOMAIN.md: no QR codes, orders stay on the platform
        services.upload_homepage_image(store=store, upload=qr_code_upload("b.png"))
    big = SimpleUploadedFile("big.png", b"\0" * (homepage.BANNER_MAX_BYTES + 1), content_type="image/png")
    with refused("payload_too_large", "image"):
        services.upload_homepage_image(store=store, upload=big)


# ---------------------------------------------------------------------------------- the store page


def test_an_unpublished_store_shows_its_newest_listed_products(store):
    products = [listed_product(store, f"商品{i}") for i in range(homepage.DEFAULT_GRID_LIMIT + 2)]
    listed_product(store, "草稿商品", state="draft")
    page = selectors.shop_page(store.pk)
    assert page.is_default and page.version == 0
    [module] = page.modules
    assert module.type == "product_grid"
    newest = products[::-1][: homepage.DEFAULT_GRID_LIMIT]
    assert [p.id for p in module.products] == [p.pk for p in newest]


def test_an_unpublished_store_without_products_shows_nothing(store):
    page = selectors.shop_page(store.pk)
    assert page.is_default and page.modules == []


def test_the_store_page_resolves_every_module_with_attribution_links(store, products, bound, image):
    services.compose_homepage(store=store, modules=every_kind(store, bound, products, image=image))
    page = selectors.shop_page(store.pk)
    assert not page.is_default and page.version == 1
    banner, chosen, auto, articles, videos, program = page.modules
    source = f"scene=5&source_type=homepage&source_id={store.pk}"
    assert banner.image_url == default_storage.url(image) and banner.title == "春季上新"
    assert banner.url == f"/products/{products[0].pk}/?{source}"
    assert [(p.id, p.title, p.price_fen) for p in chosen.products] == [
        (p.pk, p.title, 1000 + i) for i, p in enumerate(products)
    ]
    assert all(p.url == f"/products/{p.id}/?{source}" for p in chosen.products + auto.products)
    assert [p.id for p in auto.products] == [p.pk for p in products[::-1]]  # newest first, up to 4
    assert [(a.id, a.url, a.account_name) for a in articles.articles] == [
        (bound.article.pk, f"/articles/{bound.article.pk}/", bound.official.name)
    ]
    assert [(v.id, v.url) for v in videos.videos] == [(bound.video.pk, f"/videos/{bound.video.pk}/")]
    assert program.mini_program.url == (
        f"/mini-programs/{bound.program.pk}/?scene=12&source_type=mini_program&source_id={bound.program.pk}"
    )


def test_what_went_stale_after_publishing_leaves_the_page(store, products, bound, image):
    services.compose_homepage(store=store, modules=every_kind(store, bound, products, image=image))
    set_state(products[0], "delisted")
    StoreLink.objects.filter(store=store, kind__in=["official_account", "mini_program"]).update(
        state="unbound"
    )
    page = selectors.shop_page(store.pk)
    assert [m.type for m in page.modules] == ["banner", "product_grid", "product_grid", "videos"]
    banner, chosen, auto, _videos = page.modules
    assert banner.url == ""  # its product is no longer on sale: the banner stays, unlinked
    assert products[0].pk not in [p.id for p in chosen.products + auto.products]


def test_only_open_stores_have_a_store_page(store):
    for state in ("opening", "closing", "closed"):
        type(store).objects.filter(pk=store.pk).update(state=state)
        with refused("not_found"):
            selectors.shop_page(store.pk)
    with refused("not_found"):
        selectors.shop_page(10**12)


def test_the_preview_shows_the_draft(store, products):
    services.compose_homepage(store=store, modules=[grid("已发布")])
    services.save_homepage_draft(store=store, modules=[grid("草稿")])
    preview = selectors.homepage_preview(store)
    assert preview.is_preview and [m.title for m in preview.modules] == ["草稿"]
    assert [m.title for m in selectors.shop_page(store.pk).modules] == ["已发布"]


def test_the_editor_lists_what_may_be_picked(store, products, bound, make_user):
    make_content(store, make_user(), bind=False)  # not bound: not offered
    draft = listed_product(store, "草稿商品", state="draft")
    offered = homepage.choices(store)
    assert [p.id for p in offered.products] == [p.pk for p in products[::-1]]
    assert draft.pk not in [p.id for p in offered.products]
    assert [a.id for a in offered.articles] == [bound.article.pk]  # published, bound
    assert [v.id for v in offered.videos] == [bound.video.pk]
    assert [p.id for p in offered.mini_programs] == [bound.program.pk]

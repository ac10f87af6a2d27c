"""The catalog's pages: the public product page and the merchant's product pages. Each write goes
through its service, each refusal shows up next to what it concerns."""

import re

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from xiaodian.accounts.rules import Role
from xiaodian.catalog import rules, services, views
from xiaodian.catalog.models import SKU, Product, ProductImage
from xiaodian.catalog.rules import ProductState
from xiaodian.stores.models import StoreStaff

from .conftest import image_bytes, upload


def block(html: str, element_id: str) -> str:
    """The inner HTML of the element with this id (up to its first closing tag of the same name)."""
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no #{element_id} on the page"
    return match.group(2)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def field_errors(response, name: str) -> str:
    """The errors web/_field.html shows under one field ('' when none)."""
    html = response.content.decode()
    match = re.search(rf'<div class="field[^"]*" id="field-{re.escape(name)}">(.*?)</div>', html, re.S)
    assert match, f"no field {name!r} on the page"
    errors = re.search(r'<ul class="errors"[^>]*>(.*?)</ul>', match.group(1), re.S)
    return text(errors.group(1)) if errors else ""


def form_errors(response) -> str:
    found = re.findall(r'<ul class="errors form-errors"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    return " ".join(text(f) for f in found)


@pytest.fixture
def merchant_client(client, merchant):
    client.force_login(merchant)
    return client


@pytest.fixture
def client_for(db):
    def make(user):
        signed_in = Client()
        signed_in.force_login(user)
        return signed_in

    return make


@pytest.fixture
def with_cart(monkeypatch):
    """As if the orders app provided `orders:cart_add`."""
    monkeypatch.setattr(views, "_cart_url", lambda: "/cart/add/")


def product_form_data(
    categories, *, title="亚麻衬衫", rows=(("红", "M", "99.00", "5"),), names=("颜色", "尺码"), **extra
):
    data = {
        "action": "save",
        "title": title,
        "category_id": categories["女装"].pk,
        "description": "透气亚麻。",
        "skus-TOTAL_FORMS": str(len(rows)),
        "skus-INITIAL_FORMS": "0",
    }
    for slot, name in enumerate(names, start=1):
        data[f"spec_name_{slot}"] = name
        data[f"spec_values_{slot}"] = ", ".join(dict.fromkeys(row[slot - 1] for row in rows if row[slot - 1]))
    for i, (colour, size, price, stock) in enumerate(rows):
        data.update(
            {
                f"skus-{i}-value_1": colour,
                f"skus-{i}-value_2": size,
                f"skus-{i}-price": price,
                f"skus-{i}-stock": stock,
            }
        )
    data.update(extra)
    return data


def edit_form_data(product, **row_changes):
    """What the edit page posts back unchanged, with some rows' fields changed (by index)."""
    skus = list(product.skus.filter(is_active=True))
    names = product.spec_names
    data = {
        "action": "save",
        "title": product.title,
        "category_id": product.category_id,
        "description": product.description,
        "skus-TOTAL_FORMS": str(len(skus)),
        "skus-INITIAL_FORMS": str(len(skus)),
    }
    for slot, name in enumerate(names, start=1):
        data[f"spec_name_{slot}"] = name
        data[f"spec_values_{slot}"] = ", ".join(dict.fromkeys(sku.specs[name] for sku in skus))
    for i, sku in enumerate(skus):
        data.update(
            {
                f"skus-{i}-id": sku.pk,
                f"skus-{i}-expected_stock": sku.stock,
                f"skus-{i}-price": f"{sku.price_fen / 100:.2f}",
                f"skus-{i}-stock": sku.stock,
            }
        )
        for slot, name in enumerate(names, start=1):
            data[f"skus-{i}-value_{slot}"] = sku.specs[name]
    for key, value in row_changes.items():
        data[key.replace("__", "-")] = value
    return data


# ------------------------------------------------------------------------------------ product page


def test_the_product_page_shows_what_a_buyer_needs(client, listed_product, with_cart):
    services.add_product_image(product=listed_product, upload=upload(image_bytes((40, 30))))
    response = client.get(reverse("catalog:product", args=[listed_product.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "亚麻衬衫" in html
    assert text(block(html, "price")) == "¥99.00 – ¥129.00"
    assert "拾光服饰" in text(block(html, "store-name"))
    assert f'id="store-name" href="/shop/{listed_product.store_id}/"' in html  # a way into the store
    assert 'width="40" height="30"' in block(html, "gallery")
    red, blue = listed_product.skus.order_by("id")
    assert "红 / M" in text(block(html, f"sku-{red.pk}"))
    assert "仅剩 5 件" in text(block(html, f"sku-{red.pk}"))
    assert re.search(rf'value="{blue.pk}"[^>]*disabled', html)  # sold out: not choosable
    assert re.search(rf'value="{red.pk}"[^>]*checked', html)
    assert 'action="/cart/add/"' in html
    assert 'name="quantity"' in html
    assert "透气亚麻。" in html
    assert "编辑商品" not in html


def test_without_the_orders_app_the_page_renders_without_a_buy_form(client, listed_product, monkeypatch):
    def missing(name, *args, **kwargs):
        raise NoReverseMatch(name)

    monkeypatch.setattr(views, "reverse", missing)
    response = client.get(reverse("catalog:product", args=[listed_product.pk]))
    assert response.status_code == 200
    assert 'id="buy-form"' not in response.content.decode()
    assert 'name="sku_id"' in response.content.decode()  # the SKUs are still shown


def test_a_sold_out_product_has_no_buy_form(client, listed_product, with_cart):
    SKU.objects.filter(product=listed_product).update(stock=0)
    html = client.get(reverse("catalog:product", args=[listed_product.pk])).content.decode()
    assert 'id="buy-form"' not in html
    assert "已售罄" in text(block(html, "stock-state"))


@pytest.mark.parametrize("state", [ProductState.DRAFT, ProductState.DELISTED, ProductState.BANNED])
def test_a_product_off_sale_is_not_found_by_others_but_shown_to_its_store(
    client_for, make_user, merchant_client, product, operator, state, with_cart
):
    if state != ProductState.DRAFT:
        services.list_product(product=product)
        if state == ProductState.DELISTED:
            services.delist_product(product=product)
        else:
            services.ban_product(operator=operator, product=product)
    url = reverse("catalog:product", args=[product.pk])
    assert Client().get(url).status_code == 404
    assert client_for(make_user("buyer")).get(url).status_code == 404
    response = merchant_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "只有店铺员工能看到" in text(block(html, "not-public"))
    assert 'id="buy-form"' not in html  # staff preview: nothing to buy
    assert reverse("catalog:product_edit", args=[product.pk]) in html


@pytest.mark.parametrize("who", ["anonymous", "buyer", "owner"])
def test_the_product_page_costs_at_most_eight_queries(
    client, client_for, make_user, merchant, listed_product, with_cart, who, django_assert_max_num_queries
):
    for n in range(4):
        SKU.objects.create(
            product=listed_product, specs={"颜色": f"色{n}", "尺码": "S"}, price_fen=100 + n, stock=n
        )
    for _ in range(3):  # and the one it was listed with
        services.add_product_image(product=listed_product, upload=upload())
    visitor = {"anonymous": client, "buyer": client_for(make_user("buyer")), "owner": client_for(merchant)}[
        who
    ]
    url = reverse("catalog:product", args=[listed_product.pk])
    # 6, the store's score shown to buyers (issue 16) and the coupons to claim (issue 20)
    with django_assert_max_num_queries(8):
        response = visitor.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('name="sku_id"') == 6
    assert response.content.decode().count("<img ") == 4


def test_the_product_page_in_english(client, listed_product, with_cart):
    client.post(reverse("set_language"), {"language": "en"})
    html = client.get(reverse("catalog:product", args=[listed_product.pk])).content.decode()
    assert "Add to cart" in html and "Buy now" in html
    assert "Only 5 left" in html


# ---------------------------------------------------------------------------------- merchant: list


def test_the_store_link_leads_to_the_products_page(merchant_client, store):
    html = merchant_client.get(reverse("web:store_settings", args=[store.pk])).content.decode()
    assert reverse("catalog:store_products", args=[store.pk]) in html


def test_the_products_page_lists_and_filters(merchant_client, make_product, paid_store):
    make_product(paid_store, title="草稿衬衫")
    make_product(paid_store, title="在售衬衫", listed=True)
    url = reverse("catalog:store_products", args=[paid_store.pk])
    html = merchant_client.get(url).content.decode()
    assert "草稿衬衫" in html and "在售衬衫" in html
    tabs = text(block(html, "state-tabs"))
    assert "全部 2" in tabs and "草稿 1" in tabs and "已上架 1" in tabs and "已封禁 0" in tabs
    listed_only = merchant_client.get(url, {"state": "listed"}).content.decode()
    assert "在售衬衫" in listed_only and "草稿衬衫" not in listed_only
    assert merchant_client.get(url, {"state": "nonsense"}).status_code == 200  # an unknown filter shows all


def test_listing_and_delisting_from_the_list(merchant_client, product):
    url = reverse("catalog:store_products", args=[product.store_id])
    response = merchant_client.post(url, {"action": "list", "product_id": product.pk})
    assert response.status_code == 302
    assert Product.objects.get(pk=product.pk).state == ProductState.LISTED
    merchant_client.post(url, {"action": "delist", "product_id": product.pk})
    assert Product.objects.get(pk=product.pk).state == ProductState.DELISTED


def test_a_listing_refusal_shows_on_the_products_row(merchant_client, make_product, store):
    product = make_product(store)  # no deposit paid for 女装
    url = reverse("catalog:store_products", args=[store.pk])
    response = merchant_client.post(url, {"action": "list", "product_id": product.pk})
    html = response.content.decode()
    assert response.status_code == 200
    row = block(html, f"product-{product.pk}")
    assert "尚未缴纳该类目的保证金" in text(row)
    assert reverse("web:store_settings", args=[store.pk]) + "#deposits" in row
    assert Product.objects.get(pk=product.pk).state == ProductState.DRAFT
    # filtered to listed products, the row is not on the page: the refusal shows at the top
    response = merchant_client.post(url + "?state=listed", {"action": "list", "product_id": product.pk})
    shown = re.search(r'<li class="message error"[^>]*>(.*?)</li>', response.content.decode(), re.S)
    assert shown and "尚未缴纳该类目的保证金" in shown.group(1)


def test_htmx_lists_and_swaps_just_the_row(merchant_client, product, store):
    url = reverse("catalog:store_products", args=[store.pk])
    response = merchant_client.post(
        url, {"action": "list", "product_id": product.pk}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.startswith('<li class="card product-row" id="product-')
    assert "已上架" in html and "下架" in html
    tabs = re.search(r'<nav class="tabs"[^>]*hx-swap-oob="true"[^>]*>(.*?)</nav>', html, re.S)
    assert tabs and "已上架 1" in text(tabs.group(1))  # the counts follow, out of band
    product_two = Product.objects.create(store=store, category=product.category, title="无库存")
    response = merchant_client.post(
        url, {"action": "list", "product_id": product_two.pk}, headers={"HX-Request": "true"}
    )
    assert "上架前至少需要一个有库存的规格" in response.content.decode()


def test_the_products_page_is_for_the_stores_staff(client_for, make_user, product, store):
    url = reverse("catalog:store_products", args=[store.pk])
    stranger = client_for(make_user("stranger"))
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, {"action": "list", "product_id": product.pk}).status_code == 404
    agent = make_user("agent")
    StoreStaff.objects.create(store=store, user=agent, role=Role.AGENT)
    agent_client = client_for(agent)
    response = agent_client.get(url)
    assert response.status_code == 200
    assert 'id="new-product"' not in response.content.decode()
    assert agent_client.post(url, {"action": "list", "product_id": product.pk}).status_code == 403
    assert Product.objects.get(pk=product.pk).state == ProductState.DRAFT


def test_another_stores_product_cannot_be_listed_through_my_list(
    merchant_client, make_user, make_subject, make_store, make_product, store
):
    other = make_user("other")
    theirs = make_product(make_store(other, make_subject(other), name="别人的店"), category="图书")
    url = reverse("catalog:store_products", args=[store.pk])
    assert merchant_client.post(url, {"action": "list", "product_id": theirs.pk}).status_code == 404
    assert Product.objects.get(pk=theirs.pk).state == ProductState.DRAFT


def test_the_products_page_costs_a_fixed_number_of_queries(
    merchant_client, make_product, paid_store, django_assert_max_num_queries
):
    url = reverse("catalog:store_products", args=[paid_store.pk])
    make_product(paid_store)
    with django_assert_max_num_queries(10) as before:
        merchant_client.get(url)
    for n in range(5):
        product = make_product(paid_store, title=f"商品{n}", listed=n % 2 == 0)
        services.add_product_image(product=product, upload=upload())
    with django_assert_max_num_queries(len(before.captured_queries)):
        html = merchant_client.get(url).content.decode()
    assert html.count('class="card product-row"') == 6


def test_the_products_page_pages(merchant_client, make_product, paid_store, monkeypatch):
    monkeypatch.setattr(rules, "MERCHANT_PAGE_SIZE", 2)
    for n in range(3):
        make_product(paid_store, title=f"商品{n}")
    url = reverse("catalog:store_products", args=[paid_store.pk])
    first = merchant_client.get(url).content.decode()
    assert "商品2" in first and "商品0" not in first and 'rel="next"' in first
    second = merchant_client.get(url, {"offset": 2}).content.decode()
    assert "商品0" in second and 'rel="prev"' in second and 'rel="next"' not in second
    for odd in ("-5", "x", "9" * 30):
        assert merchant_client.get(url, {"offset": odd}).status_code == 200


# -------------------------------------------------------------------------------- merchant: create


def test_creating_a_product(merchant_client, paid_store, categories):
    url = reverse("catalog:product_create", args=[paid_store.pk])
    page = merchant_client.get(url)
    assert page.status_code == 200
    assert 'id="row-skus-0"' in page.content.decode()  # one empty row to start with
    data = product_form_data(categories, rows=(("红", "M", "99.00", "5"), ("蓝", "L", "129.5", "0")))
    response = merchant_client.post(url, data)
    product = Product.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:product_edit", args=[product.pk])
    assert (product.title, product.state, product.store_id) == ("亚麻衬衫", ProductState.DRAFT, paid_store.pk)
    assert list(product.skus.values_list("specs", "price_fen", "stock")) == [
        ({"颜色": "红", "尺码": "M"}, 9900, 5),
        ({"颜色": "蓝", "尺码": "L"}, 12950, 0),
    ]


def test_a_product_without_specs(merchant_client, paid_store, categories):
    data = product_form_data(categories, names=(), rows=(("", "", "59", "3"),))
    assert (
        merchant_client.post(reverse("catalog:product_create", args=[paid_store.pk]), data).status_code == 302
    )
    assert Product.objects.get().skus.get().specs == {}


def test_contact_details_in_the_title_are_shown_in_place(merchant_client, paid_store, categories):
    data = product_form_data(categories, title="衬衫 加微信 abc12345")
    response = merchant_client.post(reverse("catalog:product_create", args=[paid_store.pk]), data)
    assert "联系方式" in field_errors(response, "title")
    assert not Product.objects.exists()


def test_row_errors_are_shown_on_their_row(merchant_client, paid_store, categories):
    url = reverse("catalog:product_create", args=[paid_store.pk])
    response = merchant_client.post(
        url, product_form_data(categories, rows=(("红", "M", "99", "5"), ("蓝", "L", "0", "1")))
    )
    assert field_errors(response, "skus-1-price")
    # a row from before 尺码 was typed
    stale = product_form_data(categories, rows=(("红", "", "99", "5"),), spec_values_2="M")
    response = merchant_client.post(url, stale)
    assert "不一致" in text(block(response.content.decode(), "row-skus-0"))
    data = product_form_data(
        categories,
        rows=(("红", "M", "99", "5"), ("红 ", "m", "88", "1")),
        spec_values_1="红",
        spec_values_2="M",
    )
    response = merchant_client.post(url, data)  # the service's own duplicate check, past the form's
    assert "取值完全相同" in text(block(response.content.decode(), "row-skus-1"))
    assert not Product.objects.exists()


def test_spec_names_and_values_come_in_pairs(merchant_client, paid_store, categories):
    url = reverse("catalog:product_create", args=[paid_store.pk])
    data = product_form_data(categories, names=("颜色",), rows=(("红", "", "99", "5"),), spec_values_2="M")
    assert "规格名" in field_errors(merchant_client.post(url, data), "spec_name_2")
    data = product_form_data(categories, rows=(("红", "M", "99", "5"),), spec_values_2=" , ")
    assert "尺码" in field_errors(merchant_client.post(url, data), "spec_values_2")
    data = product_form_data(categories, rows=(("红", "M", "99", "5"),), spec_values_1="红, 蓝、红")
    assert "“红”出现了两次" in field_errors(merchant_client.post(url, data), "spec_values_1")
    assert not Product.objects.exists()


def test_only_leaf_categories_are_offered(merchant_client, paid_store, categories):
    html = merchant_client.get(reverse("catalog:product_create", args=[paid_store.pk])).content.decode()
    assert f'<option value="{categories["女装"].pk}"' in html
    assert f'<option value="{categories["服饰鞋包"].pk}"' not in html
    data = product_form_data(categories, category_id=categories["服饰鞋包"].pk)
    response = merchant_client.post(reverse("catalog:product_create", args=[paid_store.pk]), data)
    assert field_errors(response, "category_id")


def test_generating_the_matrix_without_javascript(merchant_client, paid_store, categories):
    """ "生成规格表" without script: one row per 颜色 × 尺码 combination, what was typed kept."""
    data = product_form_data(
        categories,
        title="",
        action="matrix",
        rows=(("红", "M", "99", "5"),),
        spec_values_1="红, 蓝",
        spec_values_2="S、M；L",
    )
    response = merchant_client.post(reverse("catalog:product_create", args=[paid_store.pk]), data)
    html = response.content.decode().split('<template id="sku-row-template">')[0]
    assert 'name="skus-TOTAL_FORMS" value="6"' in html
    legends = [text(m) for m in re.findall(r"<legend data-combination>(.*?)</legend>", html)]
    assert legends == ["红 / S", "红 / M", "红 / L", "蓝 / S", "蓝 / M", "蓝 / L"]
    assert 'name="skus-1-price" value="99"' in html  # 红 / M kept its price and stock
    assert 'name="skus-1-stock" value="5"' in html
    assert 'name="skus-0-price"' in html and 'name="skus-0-price" value' not in html
    assert field_errors(response, "title") == ""  # not a save: no complaints yet
    assert not Product.objects.exists()


def test_the_matrix_has_at_most_skus_max_combinations(merchant_client, paid_store, categories, monkeypatch):
    monkeypatch.setattr(rules, "SKUS_MAX", 4)
    data = product_form_data(categories, action="matrix", spec_values_1="红, 蓝", spec_values_2="S, M, L")
    response = merchant_client.post(reverse("catalog:product_create", args=[paid_store.pk]), data)
    assert "规格组合有 6 个，最多 4 个" in form_errors(response)
    data["action"] = "save"
    response = merchant_client.post(reverse("catalog:product_create", args=[paid_store.pk]), data)
    assert "最多 4 个" in form_errors(response)
    assert not Product.objects.exists()


def test_creating_needs_manage_products(client_for, make_user, store):
    agent = make_user("agent")
    StoreStaff.objects.create(store=store, user=agent, role=Role.AGENT)
    assert client_for(agent).get(reverse("catalog:product_create", args=[store.pk])).status_code == 403
    assert (
        client_for(make_user("x")).get(reverse("catalog:product_create", args=[store.pk])).status_code == 404
    )


def test_merchant_pages_send_strangers_to_sign_in(client, product):
    for url in (
        reverse("catalog:store_products", args=[product.store_id]),
        reverse("catalog:product_create", args=[product.store_id]),
        reverse("catalog:product_edit", args=[product.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


# ---------------------------------------------------------------------------------- merchant: edit


def test_editing_text_prices_and_stock(merchant_client, product):
    url = reverse("catalog:product_edit", args=[product.pk])
    assert merchant_client.get(url).status_code == 200
    data = edit_form_data(product, title="亚麻衬衫 新款", skus__0__price="88.80", skus__0__stock="40")
    response = merchant_client.post(url, data)
    assert response.status_code == 302
    product.refresh_from_db()
    red = product.skus.order_by("id").first()
    assert (product.title, red.price_fen, red.stock) == ("亚麻衬衫 新款", 8880, 40)


def test_stock_sold_while_editing_is_not_overwritten(merchant_client, product):
    url = reverse("catalog:product_edit", args=[product.pk])
    data = edit_form_data(product, skus__0__stock="40")  # the page showed 5
    red = product.skus.order_by("id").first()
    services.take_stock([(red.pk, 2)])
    response = merchant_client.post(url, data)
    assert response.status_code == 200
    assert "现在是 3" in field_errors(response, "skus-0-stock")
    red.refresh_from_db()
    assert red.stock == 3


def test_deleting_a_row_retires_the_sku_and_adding_one_creates_it(merchant_client, product):
    url = reverse("catalog:product_edit", args=[product.pk])
    data = edit_form_data(product, skus__1__DELETE="on")
    data.update(
        {
            "skus-TOTAL_FORMS": "3",
            "skus-2-value_1": "白",
            "skus-2-value_2": "S",
            "skus-2-price": "79",
            "skus-2-stock": "9",
        }
    )
    assert merchant_client.post(url, data).status_code == 302
    assert list(product.skus.filter(is_active=True).values_list("specs__颜色", flat=True)) == ["红", "白"]
    assert product.skus.filter(is_active=False).count() == 1


def test_uploading_and_removing_images_on_the_edit_page(merchant_client, bare_product):
    product = bare_product
    url = reverse("catalog:product_edit", args=[product.pk])
    response = merchant_client.post(url, {"action": "image_add", "image": upload(image_bytes((50, 40)))})
    assert response.status_code == 302
    image = ProductImage.objects.get()
    assert (image.width, image.height) == (50, 40)
    assert "50×40" in merchant_client.get(url).content.decode()
    response = merchant_client.post(url, {"action": "image_add", "image": upload(b"not an image")})
    assert "不是有效的图片" in field_errors(response, "image")
    assert merchant_client.post(url, {"action": "image_remove", "image_id": image.pk}).status_code == 302
    assert not ProductImage.objects.exists()
    assert merchant_client.post(url, {"action": "image_remove", "image_id": image.pk}).status_code == 404


def test_listing_from_the_edit_page_and_rule_errors_in_place(
    merchant_client, make_product, store, categories
):
    product = make_product(store)  # deposit not paid
    url = reverse("catalog:product_edit", args=[product.pk])
    response = merchant_client.post(url, {"action": "list"})
    html = response.content.decode()
    assert "尚未缴纳该类目的保证金" in text(block(html, "state-error"))
    assert reverse("web:store_settings", args=[store.pk]) + "#deposits" in html
    from .conftest import pay_deposit_directly

    pay_deposit_directly(store, categories["服饰鞋包"])
    assert merchant_client.post(url, {"action": "list"}).status_code == 302
    assert Product.objects.get(pk=product.pk).state == ProductState.LISTED
    html = merchant_client.get(url).content.decode()
    assert 'id="delist-button"' in html and 'id="list-button"' not in html
    assert merchant_client.post(url, {"action": "delist"}).status_code == 302
    assert Product.objects.get(pk=product.pk).state == ProductState.DELISTED


def test_a_banned_product_shows_why_and_offers_no_edits(merchant_client, product, operator):
    services.ban_product(operator=operator, product=product, reason="售假")
    url = reverse("catalog:product_edit", args=[product.pk])
    html = merchant_client.get(url).content.decode()
    assert "售假" in text(block(html, "banned-note"))
    assert (
        'id="product-form"' not in html and 'id="image-form"' not in html and 'id="list-button"' not in html
    )
    merchant_client.post(url, edit_form_data(product, title="改名"))
    assert Product.objects.get(pk=product.pk).title == "亚麻衬衫"


def test_the_edit_page_is_for_the_stores_product_managers(client_for, make_user, product, store):
    url = reverse("catalog:product_edit", args=[product.pk])
    assert client_for(make_user("stranger")).get(url).status_code == 404
    agent = make_user("agent")
    StoreStaff.objects.create(store=store, user=agent, role=Role.AGENT)
    assert client_for(agent).get(url).status_code == 403
    assert client_for(agent).post(url, {"action": "list"}).status_code == 403


def test_the_scene_the_page_was_opened_with_travels_with_the_buy_form(client, listed_product, with_cart):
    url = reverse("catalog:product", args=[listed_product.pk])
    html = client.get(url, {"scene": "6", "source_type": "article", "source_id": "12"}).content.decode()
    form = block(html, "buy-form")
    assert '<input type="hidden" name="scene" value="6">' in form
    assert '<input type="hidden" name="source_type" value="article">' in form
    assert '<input type="hidden" name="source_id" value="12">' in form
    plain = block(client.get(url).content.decode(), "buy-form")
    assert 'name="scene"' not in plain


def test_the_share_link_records_scene_4_and_the_sharer(client, listed_product, make_user):
    sharer = make_user("sharer")
    client.force_login(sharer)
    html = client.get(reverse("catalog:product", args=[listed_product.pk])).content.decode()
    assert (
        f"http://testserver/products/{listed_product.pk}/?scene=4&amp;source_type=share&amp;source_id={sharer.pk}"
        in html
    )


# ----------------------------------------------------- issue 17: photos, matrix, filters, bulk edits


def test_creating_a_product_with_photos_and_listing_it_at_once(merchant_client, paid_store, categories):
    url = reverse("catalog:product_create", args=[paid_store.pk])
    html = merchant_client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in html and 'name="images"' in html and "multiple" in html
    data = product_form_data(
        categories, rows=(("红", "M", "99", "5"), ("蓝", "M", "99", "0")), action="save_list"
    )
    data["images"] = [upload(image_bytes((30, 20))), upload(image_bytes((20, 30)), "b.png")]
    response = merchant_client.post(url, data)
    assert response.status_code == 302
    product = Product.objects.get()
    assert response["Location"] == reverse("catalog:store_products", args=[paid_store.pk])
    assert product.state == ProductState.LISTED
    assert [(i.width, i.height) for i in ProductImage.objects.filter(product=product)] == [(30, 20), (20, 30)]


def test_save_and_list_without_a_photo_keeps_the_draft_and_says_why(merchant_client, paid_store, categories):
    url = reverse("catalog:product_create", args=[paid_store.pk])
    response = merchant_client.post(url, product_form_data(categories, action="save_list"), follow=True)
    product = Product.objects.get()
    assert product.state == ProductState.DRAFT
    assert "上架前至少需要一张商品图片" in response.content.decode()


def test_a_bad_photo_is_shown_on_the_photo_field_and_nothing_is_saved(
    merchant_client, paid_store, categories
):
    data = product_form_data(categories, images=[upload(), upload(b"not an image")])
    response = merchant_client.post(reverse("catalog:product_create", args=[paid_store.pk]), data)
    assert "第 2 张图片" in field_errors(response, "images")
    assert not Product.objects.exists()


def test_the_edit_page_shows_the_matrix_with_each_combination(merchant_client, product):
    page = merchant_client.get(reverse("catalog:product_edit", args=[product.pk])).content.decode()
    assert 'src="/static/catalog/sku-matrix.js"' in page
    html = page.split('<template id="sku-row-template">')[0]
    assert [text(m) for m in re.findall(r"<legend data-combination>(.*?)</legend>", html)] == [
        "红 / M",
        "蓝 / L",
    ]
    assert 'name="spec_values_1" value="红, 蓝"' in html and 'name="spec_values_2" value="M, L"' in html
    assert "规格 #" not in html


def test_the_list_searches_and_filters_and_pages_keep_them(
    merchant_client, make_product, paid_store, monkeypatch
):
    monkeypatch.setattr(rules, "MERCHANT_PAGE_SIZE", 2)
    for n in range(3):
        make_product(paid_store, title=f"衬衫{n}", rows=(("红", "M", 9900, 3),))
    make_product(paid_store, title="设计之书", category="图书", rows=(("红", "M", 9900, 50),))
    url = reverse("catalog:store_products", args=[paid_store.pk])
    response = merchant_client.get(url, {"q": "衬衫", "low": "1"})
    html = response.content.decode()
    assert "衬衫2" in html and "衬衫1" in html and "设计之书" not in html
    assert "找到 3 个商品" in html
    assert 'value="衬衫"' in html  # the query stays in the box
    next_url = re.search(r'<a href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    assert "q=%E8%A1%AC%E8%A1%AB" in next_url and "low=1" in next_url and "offset=2" in next_url
    second = merchant_client.get(next_url).content.decode()
    assert "衬衫0" in second and "设计之书" not in second
    tabs = block(html, "state-tabs")
    assert "low=1" in tabs and "q=" in tabs  # the state tabs keep the other filters
    for odd in ({"category": "x"}, {"q": "x" * 500}, {"state": "nope"}, {"low": "maybe"}):
        assert merchant_client.get(url, odd).status_code == 200


def test_bulk_editing_prices_in_yuan_from_the_list(merchant_client, make_product, paid_store):
    first, second, third = (make_product(paid_store, title=f"商品{n}") for n in range(3))
    url = reverse("catalog:store_products", args=[paid_store.pk]) + "?q=商品"
    data = {"action": "bulk", "change": "price_fen", "value": "59.90", "product_ids": [first.pk, third.pk]}
    response = merchant_client.post(url, data, follow=True)
    assert "已修改 2 个商品的 4 个规格" in response.content.decode()
    assert response.redirect_chain[-1][0].endswith("?q=%E5%95%86%E5%93%81")
    assert set(SKU.objects.filter(product__in=[first, third]).values_list("price_fen", flat=True)) == {5990}
    assert set(SKU.objects.filter(product=second).values_list("price_fen", flat=True)) == {9900, 12900}
    data = {"action": "bulk", "change": "stock_change", "value": "-2", "product_ids": [second.pk]}
    response = merchant_client.post(url, data)
    assert "没有修改任何商品" in form_errors(response)
    assert f'value="{second.pk}" form="bulk-form" checked' in response.content.decode()  # still ticked
    data = {"action": "bulk", "change": "stock", "value": "1.5", "product_ids": [second.pk]}
    assert "整数" in field_errors(merchant_client.post(url, data), "value")
    data = {"action": "bulk", "change": "stock", "value": "8"}
    assert "请选择" in form_errors(merchant_client.post(url, data))
    assert set(SKU.objects.filter(product=second).values_list("stock", flat=True)) == {5, 0}


def test_bulk_editing_needs_manage_products(client_for, make_user, product, store):
    agent = make_user("agent")
    StoreStaff.objects.create(store=store, user=agent, role=Role.AGENT)
    url = reverse("catalog:store_products", args=[store.pk])
    html = client_for(agent).get(url).content.decode()
    assert 'id="bulk-form"' not in html and 'name="product_ids"' not in html
    data = {"action": "bulk", "change": "stock", "value": "8", "product_ids": [product.pk]}
    assert client_for(agent).post(url, data).status_code == 403
    assert set(SKU.objects.filter(product=product).values_list("stock", flat=True)) == {5, 0}


def test_the_store_page_shows_in_store_categories(client, make_product, paid_store):
    make_product(paid_store, title="亚麻衬衫", listed=True)
    book = make_product(paid_store, title="设计之书", category="图书", listed=True)
    url = reverse("stores:shop", args=[paid_store.pk])
    html = client.get(url).content.decode()
    nav = text(block(html, "shop-categories"))
    assert nav == "首页 图书 1 女装 1"  # the fullest first, then by name
    html = client.get(url, {"category": book.category_id}).content.decode()
    assert "设计之书" in html and "亚麻衬衫" not in html
    assert client.get(url, {"category": "x"}).status_code == 200


def test_a_new_size_on_the_edit_page_keeps_every_sku(merchant_client, product):
    """ "生成规格表" on the edit page without script: the rows of the combinations that stay keep
    their SKU (id, seen stock), the new ones are new, and saving adds them and retires none but
    the combinations left out."""
    red, blue = product.skus.order_by("pk")
    url = reverse("catalog:product_edit", args=[product.pk])
    data = edit_form_data(product, action="matrix", spec_values_1="红, 蓝", spec_values_2="M, XL")
    html = merchant_client.post(url, data).content.decode().split('<template id="sku-row-template">')[0]
    legends = [text(m) for m in re.findall(r"<legend data-combination>(.*?)</legend>", html)]
    assert legends == ["红 / M", "红 / XL", "蓝 / M", "蓝 / XL"]
    assert f'name="skus-0-id" value="{red.pk}"' in html  # 红 / M
    assert 'name="skus-3-id" value' not in html  # 蓝 / XL is new; 蓝 / L is left out
    rows = {
        "skus-TOTAL_FORMS": "4",
        "skus-INITIAL_FORMS": "0",
        "spec_values_1": "红, 蓝",
        "spec_values_2": "M, XL",
        "skus-0-id": red.pk,
        "skus-0-expected_stock": 5,
    }
    for i, (colour, size, price, stock) in enumerate(
        (("红", "M", "99", "5"), ("红", "XL", "99", "1"), ("蓝", "M", "129", "2"), ("蓝", "XL", "129", "3"))
    ):
        rows.update({f"skus-{i}-value_1": colour, f"skus-{i}-value_2": size})
        rows.update({f"skus-{i}-price": price, f"skus-{i}-stock": stock})
    save = {k: v for k, v in edit_form_data(product).items() if not k.startswith("skus-")} | rows
    assert merchant_client.post(url, save).status_code == 302
    active = dict(
        ((s["颜色"], s["尺码"]), pk)
        for pk, s in SKU.objects.filter(product=product, is_active=True).values_list("pk", "specs")
    )
    assert set(active) == {("红", "M"), ("红", "XL"), ("蓝", "M"), ("蓝", "XL")}
    assert active[("红", "M")] == red.pk
    assert not SKU.objects.get(pk=blue.pk).is_active  # 蓝 / L, left out: retired

from xiaodian.content.sanitize import clean_body, product_ids, text_of


def test_scripts_handlers_and_javascript_urls_are_removed():
    dirty = (
        '<p onclick="steal()">hi<script>alert(1)</script></p>'
        '<a href="javascript:alert(1)">x</a><img src="x.png" onerror="alert(1)">'
        "<style>p{}</style><iframe src='https://e.com'></iframe>"
    )
    clean = clean_body(dirty)
    for bad in ("script", "alert", "onclick", "onerror", "javascript", "style", "iframe"):
        assert bad not in clean
    assert "<p>hi</p>" in clean
    assert '<img src="x.png">' in clean


def test_links_get_noopener_and_allowed_tags_stay():
    clean = clean_body(
        '<h2>标题</h2><a href="https://example.com/a" target="_blank">a</a><br><ul><li>一</li></ul>'
    )
    assert '<a href="https://example.com/a" rel="noopener">a</a>' in clean
    assert "<h2>标题</h2>" in clean and "<li>一</li>" in clean and "target" not in clean


def test_product_cards_survive_and_are_listed_once_in_order():
    clean = clean_body(
        '<product-card data-product-id="7" onclick="x()"></product-card><p>中</p>'
        '<product-card data-product-id="3"></product-card><product-card data-product-id="7"></product-card>'
    )
    assert '<product-card data-product-id="7"></product-card>' in clean
    assert "onclick" not in clean
    assert product_ids(clean) == [7, 3]


def test_a_card_without_a_numeric_id_loses_its_id():
    clean = clean_body('<product-card data-product-id="7 or 1=1"></product-card>')
    assert product_ids(clean) == []
    assert "1=1" not in clean


def test_text_of_is_the_readable_text():
    assert text_of(clean_body("<p>a &amp; <strong>b</strong></p>")) == "a & b"

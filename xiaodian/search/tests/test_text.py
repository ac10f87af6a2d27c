from xiaodian.search import text


def test_variants_normalise_to_one_form():
    assert text.normalize("山野官方旗艦店") == "山野官方旗舰店"  # traditional → simplified
    assert text.normalize("ＳＨＡＮＹＥ  Tea") == "shanye tea"  # full-width, case, spaces
    assert text.runs("拾光·服饰 2024款") == ["拾光", "服饰", "2024", "款"]


def test_chinese_runs_give_unigrams_bigrams_and_long_words():
    found = text.terms("云雾绿茶")
    assert {"云", "雾", "绿", "茶", "云雾", "雾绿", "绿茶"} <= set(found)
    assert "旗舰店" in text.terms("山野官方旗舰店")  # jieba's three-character word


def test_pinyin_terms_start_at_every_character():
    found = text.pinyin_terms("山野官方")
    assert found == ["shanyeguanfang", "sygf", "yeguanfang", "ygf", "guanfang", "gf", "fang"]


def test_queries_of_one_two_and_more_characters():
    assert text.query("茶").terms == ("茶",)
    assert text.query("绿茶").terms == ("绿茶",)
    assert text.query("云雾绿茶").terms == ("云雾", "雾绿", "绿茶")
    assert text.query("Shan 野").prefixes == ("shan",)
    assert text.query("  ·  ").empty

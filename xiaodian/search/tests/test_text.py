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
    # issue 15: a longer query is cut into words (no longer every adjacent pair: 雾绿 is not one)
    assert text.query("云雾绿茶").terms == ("云雾", "绿茶")
    assert text.query("旗舰店").terms == ("旗舰", "舰店")  # a word of three or more: its pairs
    assert text.query("Shan 野").prefixes == ("shan",)
    assert text.query("  ·  ").empty


def test_a_query_is_cut_into_words_without_particles():
    assert [w.text for w in text.query("小满的果园").words] == ["小满", "果园"]
    assert [w.text for w in text.query("山野旗舰店").words] == ["山野", "旗舰店"]
    assert [w.text for w in text.query("山野 shan").words] == ["山野", "shan"]


def test_the_catalogs_names_keep_a_query_whole_where_they_are():
    assert [w.text for w in text.query("鹭岛书屋").words] != ["鹭岛书屋"]
    text.add_vocabulary(["鹭岛书屋"])
    assert [w.text for w in text.query("鹭岛书屋").words] == ["鹭岛书屋"]
    text.forget_vocabulary()
    assert [w.text for w in text.query("鹭岛书屋").words] != ["鹭岛书屋"]


def test_relaxed_queries_leave_out_one_word_keeping_most_of_the_characters():
    relaxed = text.query("山野旗见店").relaxed()  # a misspelt character
    assert [[w.text for w in q.words] for q in relaxed] == [["旗见", "店"], ["山野", "店"], ["山野", "旗见"]]
    assert text.query("婚纱摄影").relaxed() == []  # half is not most
    assert [q.terms for q in text.query("拖拉机配件").relaxed()] == [("拖拉", "拉机")]
    assert text.query("茶").relaxed() == []


def test_a_word_jieba_only_glued_is_also_looked_for_character_by_character():
    query = text.query("好物书防")  # 房 mistyped: jieba glues the four unknown characters
    assert [w.text for w in query.words] == ["好物书防"] and not query.words[0].known
    split = query.split()
    assert split[0].terms == ("好", "物", "书", "防") and split[0].holds == 3.5
    assert ("好", "物", "书") in [q.terms for q in split] and all(q.holds >= 3 for q in split)
    assert text.query("挖掘机").split() == []  # a word jieba knows is spelt right

import pytest

from xiaodian.core.extensions import AlreadyRegistered, ExtensionList, ExtensionPoint


def greet(name: str) -> str:
    return f"hello {name}"


def shout(name: str) -> str:
    return f"HELLO {name.upper()}"


def whisper(name: str) -> str:
    return f"psst {name}"


def test_the_default_answers_while_nothing_is_registered():
    point = ExtensionPoint("tests.greeting", default=greet)
    assert not point.registered and point.provider is greet
    assert point("ann") == "hello ann"


def test_the_registered_provider_answers_instead_of_the_default():
    point = ExtensionPoint("tests.greeting", default=greet)
    assert point.register(shout) is shout  # usable as a decorator
    assert point.registered and point("ann") == "HELLO ANN"


def test_a_second_provider_for_a_single_slot_is_refused():
    point = ExtensionPoint("tests.greeting", default=greet)
    point.register(shout)
    with pytest.raises(AlreadyRegistered, match=r"tests\.greeting"):
        point.register(whisper)
    assert point("ann") == "HELLO ANN"  # the first one stays


def test_registering_the_same_provider_again_is_harmless():
    # Django may call AppConfig.ready() more than once in tests.
    point = ExtensionPoint("tests.greeting", default=greet)
    point.register(shout)
    point.register(shout)
    assert point("ann") == "HELLO ANN"


def test_override_swaps_the_provider_for_a_block_and_restores_it():
    point = ExtensionPoint("tests.greeting", default=greet)
    point.register(shout)
    with point.override(whisper):
        assert point("ann") == "psst ann"
    with point.override(None):  # as if nothing were registered
        assert point("ann") == "hello ann"
    with pytest.raises(RuntimeError), point.override(whisper):
        raise RuntimeError
    assert point.provider is shout


def test_a_list_keeps_its_items_in_registration_order():
    entries = ExtensionList("tests.entries")
    assert list(entries) == [] and len(entries) == 0
    for item in (whisper, greet, shout):
        entries.register(item)
    entries.register(greet)  # once only
    assert list(entries) == [whisper, greet, shout]
    assert [item("ann") for item in entries] == ["psst ann", "hello ann", "HELLO ANN"]


def test_a_list_override_replaces_its_items_for_a_block():
    entries = ExtensionList("tests.entries")
    entries.register(greet)
    with entries.override(shout, whisper):
        assert list(entries) == [shout, whisper]
    with entries.override():
        assert list(entries) == []
    assert list(entries) == [greet]

"""The portal's one cache (portal/memo.py): bounded, expiring on request, cleared on demand,
and off together with the fast lists."""

from portal import memo
from portal.memo import Memo


def test_a_kept_value_is_built_once():
    store, built = Memo(), []
    for _ in range(3):
        assert store.remember("key", lambda: built.append(1) or "value") == "value"
    assert built == [1]


def test_a_full_cache_drops_its_oldest_entry_first():
    store = Memo(size=2)
    store.put("a", 1)
    store.put("b", 2)
    store.put("c", 3)
    assert (store.get("a"), store.get("b"), store.get("c")) == (None, 2, 3)
    assert len(store) == 2


def test_an_entry_with_an_expiry_is_gone_after_it(monkeypatch):
    store, now = Memo(), [100.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: now[0])
    store.put("count", 1001, seconds=30)
    assert store.get("count") == 1001
    now[0] += 30
    assert store.get("count") is None


def test_clear_forgets_everything_of_the_app(app_ctx):
    memo.remember(("test", 1), lambda: "kept")
    memo.clear(app_ctx)
    assert memo.remember(("test", 1), lambda: "built again") == "built again"


def test_nothing_is_kept_with_the_fast_lists_off(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "PORTAL_FAST_LISTS", False)
    assert memo.current_memo() is None
    memo.remember(("test", 2), lambda: "first")
    assert memo.remember(("test", 2), lambda: "second") == "second"

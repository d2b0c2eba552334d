"""Sign-in sessions on both store adapters (memory and the real Mongo-compatible server): a
session answers with its principal until it ends or expires; a sign-in under way is finished
once; the store never holds the cookie's value itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from llo_shared.auth import Principal
from llo_shared.oidc import SessionStore

EMPLOYER = Principal("u-1", "employer", "KVK-39084217", "flevoland")


async def test_a_session_holds_its_principal_until_it_ends(database):
    sessions = SessionStore(database)
    cookie = await sessions.create(EMPLOYER, id_token="id-token", ttl_s=3600)
    assert await sessions.principal(cookie) == EMPLOYER
    assert await database["sessions"].count_documents({"_id": cookie}) == 0  # only its SHA-256
    assert await sessions.principal(cookie + "x") is None
    assert await sessions.end(cookie) == "id-token"
    assert await sessions.principal(cookie) is None
    assert await sessions.end(cookie) is None


async def test_an_expired_session_is_signed_out(database):
    sessions = SessionStore(database)
    cookie = await sessions.create(EMPLOYER, id_token="id-token", ttl_s=3600)
    past = datetime.now(UTC) - timedelta(seconds=1)
    await database["sessions"].update_many({}, {"$set": {"expires_at": past}})
    assert await sessions.principal(cookie) is None


async def test_a_sign_in_under_way_is_finished_once(database):
    sessions = SessionStore(database)
    cookie = await sessions.start_login({"state": "s", "nonce": "n", "verifier": "v", "next": "/billing/"})
    login = await sessions.finish_login(cookie)
    assert login is not None and (login["state"], login["next"]) == ("s", "/billing/")
    assert await sessions.finish_login(cookie) is None  # a replayed callback finds nothing


async def test_expired_sessions_are_removed_from_the_store(database):
    """By the server's TTL index where it has one, else by the store's own sweep (FerretDB)."""
    sessions = SessionStore(database)
    old = await sessions.create(EMPLOYER, id_token="old", ttl_s=3600)
    past = datetime.now(UTC) - timedelta(hours=1)
    await database["sessions"].update_many({}, {"$set": {"expires_at": past}})
    sessions._swept_at = past  # the last sweep was long ago
    await sessions.create(EMPLOYER, id_token="new", ttl_s=3600)
    if not sessions._ttl_index:
        assert await database["sessions"].count_documents({}) == 1
    assert await sessions.principal(old) is None

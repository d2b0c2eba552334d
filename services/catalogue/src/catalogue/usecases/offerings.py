"""Providers, consortia and offerings: register, form, change members, publish, update, withdraw.

Each use case checks the rules, builds the new state and its event, and has the store write both
in one go; a refusal is a named error (`catalogue.domain.errors`)."""

from __future__ import annotations

from pydantic import ValidationError

from catalogue import events as ev
from catalogue.documents import Document, consortium_event_fields, now, offering_event_payload
from catalogue.domain.errors import Conflict, InvalidInput, invalid
from catalogue.domain.model import (
    ConsortiumCreate,
    OfferingFields,
    ProviderCreate,
    check_consortium,
    members_after_change,
)
from catalogue.domain.text import tokens
from catalogue.domain.vocab import FUNDED_PROVIDER_KINDS, OfferingStatus
from catalogue.store import CatalogueStore


async def register_provider(store: CatalogueStore, data: ProviderCreate) -> Document:
    doc = data.model_dump(mode="json") | {"funded": data.kind in FUNDED_PROVIDER_KINDS}
    event = ev.ProviderRegistered(**{k: doc[k] for k in ev.ProviderRegistered.model_fields if k in doc})
    return await store.insert_provider(
        {"_id": data.provider_id, **doc, "created_at": now(), "changed_at": now()}, event
    )


def members_refused(problems: list[str]) -> InvalidInput:
    """Consortium rule violations, all about the member list."""
    messages = [p.removeprefix("members: ") for p in problems]
    return InvalidInput([("members", m) for m in messages], "; ".join(problems))


async def create_consortium(store: CatalogueStore, data: ConsortiumCreate) -> Document:
    funded = await store.funded_by_member(data.members)
    problems = check_consortium(data, funded)
    if problems:
        raise members_refused(problems)
    doc = {
        "_id": data.consortium_id,
        **data.model_dump(mode="json"),
        "version": 1,
        "created_at": now(),
        "changed_at": now(),
    }
    return await store.insert_consortium(doc, ev.ConsortiumFormed(**consortium_event_fields(doc, funded)))


async def change_consortium_members(
    store: CatalogueStore, current: Document, *, add: str | None = None, remove: str | None = None
) -> Document:
    """Add or remove one member; the result must still be a valid consortium (same rules as create)."""
    if add is not None and add in current["members"]:
        raise Conflict(f"{add} is already a member", field="provider_id")
    if remove is not None and remove not in current["members"]:
        raise invalid("provider_id", f"{remove} is not a member")
    members = members_after_change(current["members"], add=add, remove=remove)
    try:
        data = ConsortiumCreate(
            consortium_id=current["_id"],
            name=current["name"],
            members=members,
            flex_partnership=current["flex_partnership"],
        )
    except ValidationError as error:
        raise members_refused([f"members: {e['msg']}" for e in error.errors()]) from None
    funded = await store.funded_by_member(members)
    problems = check_consortium(data, funded)
    if problems:
        raise members_refused(problems)
    event = ev.ConsortiumMembersChanged(
        **consortium_event_fields({**current, "members": members}, funded),
        added=[add] if add else [],
        removed=[remove] if remove else [],
    )
    return await store.set_members(current, members, event)


def offering_state(provider: Document, data: OfferingFields) -> Document:
    """The offering's fields as stored: the input, its provider and its search words."""
    fields = data.model_dump(mode="json", exclude={"version", "offering_id"})
    text = " ".join([data.title, data.description, *data.keywords, data.code or "", provider["name"]])
    return fields | {
        "provider_id": provider["_id"],
        "provider_name": provider["name"],
        "provider_kind": provider["kind"],
        "search_tokens": tokens(text),
        "changed_at": now(),
    }


async def publish_offering(
    store: CatalogueStore,
    provider: Document,
    data: OfferingFields,
    offering_id: str,
    *,
    import_id: str | None = None,
) -> Document:
    doc = {"_id": offering_id, "offering_id": offering_id, **offering_state(provider, data)}
    doc |= {"status": OfferingStatus.published.value, "version": 1, "created_at": now()}
    event = ev.OfferingPublished(**offering_event_payload(doc))
    return await store.insert_offering(doc, event, import_id)


async def update_offering(
    store: CatalogueStore, current: Document, provider: Document, data: OfferingFields, version: int
) -> Document:
    if current["status"] != OfferingStatus.published:
        raise Conflict("a withdrawn offering cannot change")
    state = offering_state(provider, data) | {"version": version + 1}
    event = ev.OfferingUpdated(**offering_event_payload({**current, **state}))
    return await store.replace_offering(current, version, state, event)


async def withdraw_offering(store: CatalogueStore, current: Document) -> Document:
    event = ev.OfferingWithdrawn(offering_id=current["_id"], provider_id=current["provider_id"])
    return await store.withdraw_offering(current, event)

"""Recruitment's own database: campaigns, applications (with personal data beside the aggregate)
and its read model of the catalogue's cohorts. Written once against the async Mongo surface, so it
runs in memory, on MongoDB and on FerretDB. Every state change carries its events in the same
single-document write (outbox inside the aggregate)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from llo_shared.envelope import EventEnvelope
from llo_shared.mongo import IndexSpec
from llo_shared.outbox import new_document, strip_outbox, with_events
from llo_shared.paging import Sort, store_page
from recruitment.domain.application import Application
from recruitment.domain.campaign import Campaign
from recruitment.events import APPLICATION_TOPIC, CAMPAIGN_TOPIC

CAMPAIGNS = "campaigns"
APPLICATIONS = "applications"
COHORTS = "cohorts"
# The cohorts' fill over time: one small document per point, only ever inserted (see add_fill_point).
FILL_POINTS = "cohort_fill_points"
OFFERINGS = "offerings"
OUTBOX_COLLECTIONS = (CAMPAIGNS, APPLICATIONS)
BY_ID: Sort = [("_id", ASCENDING)]  # the API's lists: in id order, so pages never overlap
CHECK_MAX_AGE_S = 5.0  # how old a cohort read for an early check may be (cohort_for_check)
CHECKED_COHORTS = 10_000  # at most this many kept for those checks

# Fields of an application document that hold personal data; erasure empties them (the hash of the
# applicant's status link too: after erasure the link leads nowhere).
PERSONAL_FIELDS = ("applicant", "consent", "payer", "status_key")

INDEXES = [
    IndexSpec(CAMPAIGNS, [("provider_id", 1), ("created_at", 1)], name="campaign_provider"),
    IndexSpec(CAMPAIGNS, [("cohort_id", 1)], name="campaign_cohort"),
    IndexSpec(APPLICATIONS, [("campaign_id", 1), ("created_at", 1)], name="application_campaign"),
    IndexSpec(APPLICATIONS, [("cohort_id", 1), ("stage", 1)], name="application_cohort_stage"),
    IndexSpec(APPLICATIONS, [("provider_id", 1), ("stage", 1)], name="application_provider_stage"),
    IndexSpec(APPLICATIONS, [("candidate_ref", 1)], name="application_candidate"),
    IndexSpec(APPLICATIONS, [("enrolment.enrolment_id", 1)], name="application_enrolment"),
    IndexSpec(APPLICATIONS, [("status_key", 1)], name="application_status_key"),
    IndexSpec(COHORTS, [("provider_id", 1)], name="cohort_provider"),
    IndexSpec(COHORTS, [("offering_id", 1)], name="cohort_offering"),
    IndexSpec(FILL_POINTS, [("cohort_id", 1), ("at", 1)], name="fill_point_cohort"),
]


# What a stored fill point holds besides the point itself.
_POINT_KEYS = ("_id", "cohort_id", "recorded")


def _moment(at: str) -> datetime:
    """When a fill point happened, comparable also when its event named no time zone (UTC)."""
    moment = datetime.fromisoformat(at)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ConcurrentChange(Exception):
    """Someone else changed the aggregate since it was read; reload and decide again."""


class AlreadyExists(Exception):
    pass


def _campaign_doc(campaign: Campaign) -> dict[str, Any]:
    doc = campaign.model_dump(mode="json")
    doc["_id"] = campaign.campaign_id
    return doc


def _application_doc(application: Application) -> dict[str, Any]:
    doc = application.model_dump(mode="json")
    doc["_id"] = application.application_id
    return doc


def _campaign(doc: dict[str, Any]) -> Campaign:
    return Campaign.model_validate(strip_outbox(doc))


def _application(doc: dict[str, Any]) -> Application:
    return Application.model_validate(strip_outbox(doc))


class RecruitmentStore:
    def __init__(
        self, db: Any, *, campaign_topic: str = CAMPAIGN_TOPIC, application_topic: str = APPLICATION_TOPIC
    ) -> None:
        self.db = db
        self.campaign_topic = campaign_topic
        self.application_topic = application_topic
        self.campaigns = db[CAMPAIGNS]
        self.applications = db[APPLICATIONS]
        self.cohorts = db[COHORTS]
        self.fill_points = db[FILL_POINTS]
        self.offerings = db[OFFERINGS]
        # Cohorts as last read for an early check (see cohort_for_check): (when read, document).
        self._checked: dict[str, tuple[float, dict[str, Any] | None]] = {}

    # campaigns ---------------------------------------------------------------
    async def add_campaign(self, campaign: Campaign, events: list[EventEnvelope]) -> None:
        doc = new_document(_campaign_doc(campaign) | {"version": 1}, self.campaign_topic, events)
        try:
            await self.campaigns.insert_one(doc)
        except DuplicateKeyError:
            raise AlreadyExists(campaign.campaign_id) from None

    async def campaign(self, campaign_id: str) -> tuple[Campaign, int] | None:
        doc = await self.campaigns.find_one({"_id": campaign_id})
        return (_campaign(doc), doc["version"]) if doc else None

    async def save_campaign(self, campaign: Campaign, version: int, events: list[EventEnvelope]) -> None:
        changes = _campaign_doc(campaign)
        changes.pop("_id")
        result = await self.campaigns.update_one(
            {"_id": campaign.campaign_id, "version": version},
            with_events({"$set": changes, "$inc": {"version": 1}}, self.campaign_topic, events),
        )
        if result.matched_count == 0:
            raise ConcurrentChange(campaign.campaign_id)

    async def list_campaigns(
        self, query: dict[str, Any], *, after: str | None, limit: int
    ) -> tuple[list[Campaign], int]:
        total = await self.campaigns.count_documents(query)
        page_query = {**query, "_id": {"$gt": after}} if after else query
        docs = await self.campaigns.find(page_query).sort("_id", ASCENDING).limit(limit).to_list(None)
        return [_campaign(d) for d in docs], total

    async def campaign_page(self, query: dict[str, Any], cursor: str | None, limit: int) -> dict[str, Any]:
        """A page of campaigns in id order (`llo_shared.paging`: items, total, next)."""
        return await store_page(self.campaigns, query, BY_ID, cursor, limit, _campaign)

    async def campaigns_of_cohort(self, cohort_id: str) -> list[Campaign]:
        docs = await self.campaigns.find({"cohort_id": cohort_id}).sort("_id", ASCENDING).to_list(None)
        return [_campaign(d) for d in docs]

    # applications ------------------------------------------------------------
    async def add_application(
        self,
        application: Application,
        events: list[EventEnvelope],
        personal: dict[str, Any] | None = None,
    ) -> None:
        doc = _application_doc(application) | {"version": 1} | (personal or {})
        try:
            await self.applications.insert_one(new_document(doc, self.application_topic, events))
        except DuplicateKeyError:
            raise AlreadyExists(application.application_id) from None

    async def application(self, application_id: str) -> tuple[Application, int] | None:
        doc = await self.applications.find_one({"_id": application_id})
        return (_application(doc), doc["version"]) if doc else None

    async def application_with_personal(self, application_id: str) -> dict[str, Any] | None:
        doc = await self.applications.find_one({"_id": application_id})
        return strip_outbox(doc) if doc else None

    async def applications_with_personal(
        self, query: dict[str, Any], *, sort: Sort = (("_id", ASCENDING),), limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Applications with the personal data beside them, for the provider's own pages (the
        worklist, the participants); never for events, logs or figures."""
        docs = await self.applications.find(query).sort(list(sort)).to_list(limit)
        return [strip_outbox(d) for d in docs]

    async def stage_counts(self, cohort_ids: list[str]) -> dict[str, dict[str, int]]:
        """Per cohort, how many applications stand at each stage."""
        counts: dict[str, dict[str, int]] = {c: {} for c in cohort_ids}
        docs = await self.applications.find(
            {"cohort_id": {"$in": cohort_ids}}, {"cohort_id": 1, "stage": 1}
        ).to_list(None)
        for doc in docs:
            per = counts.setdefault(doc["cohort_id"], {})
            per[doc["stage"]] = per.get(doc["stage"], 0) + 1
        return counts

    async def application_by_status_key(self, key_hash: str) -> dict[str, Any] | None:
        """The application behind an applicant's personal status link (recruitment.status_links)."""
        doc = await self.applications.find_one({"status_key": key_hash})
        return strip_outbox(doc) if doc else None

    async def save_application(
        self, application: Application, version: int, events: list[EventEnvelope]
    ) -> None:
        changes = _application_doc(application)
        changes.pop("_id")
        result = await self.applications.update_one(
            {"_id": application.application_id, "version": version},
            with_events({"$set": changes, "$inc": {"version": 1}}, self.application_topic, events),
        )
        if result.matched_count == 0:
            raise ConcurrentChange(application.application_id)

    async def application_page(self, query: dict[str, Any], cursor: str | None, limit: int) -> dict[str, Any]:
        """A page of applications in id order (`llo_shared.paging`: items, total, next)."""
        return await store_page(self.applications, query, BY_ID, cursor, limit, _application)

    async def all_applications(self, query: dict[str, Any]) -> list[Application]:
        docs = await self.applications.find(query).sort("_id", ASCENDING).to_list(None)
        return [_application(d) for d in docs]

    async def first_waitlisted(self, cohort_id: str) -> tuple[Application, int] | None:
        docs = (
            await self.applications.find({"cohort_id": cohort_id, "stage": "waitlisted"})
            .sort([("enrolment.waitlist_seq", ASCENDING), ("_id", ASCENDING)])
            .limit(1)
            .to_list(None)
        )
        return (_application(docs[0]), docs[0]["version"]) if docs else None

    async def waitlisted_ahead(self, cohort_id: str, seq: int) -> int:
        return await self.applications.count_documents(
            {"cohort_id": cohort_id, "stage": "waitlisted", "enrolment.waitlist_seq": {"$lt": seq}}
        )

    async def erase_personal_data(
        self,
        query: dict[str, Any],
        at: datetime,
        *,
        unlink: bool = False,
        announce: Callable[[Application], list[EventEnvelope]] = lambda _: [],
    ) -> int:
        """Empty the personal fields and the person's traces in the aggregate (notes, payer
        details; Application.forgotten); `unlink` also drops the link to matching's candidate.
        `announce` gives the events that tell other services (written in the same update)."""
        erased: dict[str, Any] = dict.fromkeys(PERSONAL_FIELDS) | {"erased_at": at.isoformat()}
        if unlink:
            erased["candidate_ref"] = None
        count = 0
        for doc in await self.applications.find(query, {"_id": 1}).to_list(None):
            count += await self._erase_one(doc["_id"], erased, announce)
        return count

    async def _erase_one(
        self,
        application_id: str,
        erased: dict[str, Any],
        announce: Callable[[Application], list[EventEnvelope]],
    ) -> int:
        for _ in range(8):  # a concurrent step is retried on the fresh state
            doc = await self.applications.find_one({"_id": application_id})
            if doc is None:
                return 0
            application = _application(doc).forgotten()
            changes = _application_doc(application)
            changes.pop("_id")
            update = {"$set": changes | erased, "$inc": {"version": 1}}
            result = await self.applications.update_one(
                {"_id": application_id, "version": doc["version"]},
                with_events(update, self.application_topic, announce(application)),
            )
            if result.matched_count:
                return 1
        raise ConcurrentChange(application_id)

    # cohort read model ---------------------------------------------------------
    async def upsert_cohort(self, cohort_id: str, fields: dict[str, Any]) -> None:
        """The cohort's fields as its events told them. The document keeps the same size however
        many seats change (the fill over time is in its own collection), so reading and writing it
        stays cheap on every seat event."""
        self._write_through(cohort_id, fields)
        await self.cohorts.update_one(
            {"_id": cohort_id}, {"$set": {**fields, "cohort_id": cohort_id}}, upsert=True
        )

    async def add_fill_point(self, cohort_id: str, point_id: str, point: dict[str, Any]) -> None:
        """A point of the cohort's fill over time (`at`, `seats_taken`, `break_even`, `capacity`).
        `point_id` names what caused it (the event), so the same event recorded again adds nothing."""
        recorded = {"_id": point_id, "cohort_id": cohort_id, "recorded": time.time_ns()}
        try:
            await self.fill_points.insert_one({**point, **recorded})
        except DuplicateKeyError:
            pass

    async def fill_history(self, cohort_id: str, legacy: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every point of the cohort's fill over time, oldest first: `legacy` (the points cohort
        documents held before they moved to their own collection; they are older than any there)
        and the recorded ones in time order (ties in the order recorded)."""
        found = await self.fill_points.find({"cohort_id": cohort_id}).to_list(None)
        found.sort(key=lambda p: (_moment(p["at"]), p["recorded"]))
        return [*legacy, *({k: v for k, v in p.items() if k not in _POINT_KEYS} for p in found)]

    async def upsert_offering(self, offering_id: str, fields: dict[str, Any]) -> None:
        """The offering's name (from the catalogue's offering events), also on its known cohorts, so
        every page names the course instead of "Startmoment"."""
        await self.offerings.update_one({"_id": offering_id}, {"$set": fields}, upsert=True)
        if fields.get("title"):
            await self.cohorts.update_many({"offering_id": offering_id}, {"$set": {"title": fields["title"]}})

    async def offering(self, offering_id: str) -> dict[str, Any] | None:
        return await self.offerings.find_one({"_id": offering_id})

    async def cohort(self, cohort_id: str) -> dict[str, Any] | None:
        """The cohort's fields, without its fill over time (see cohort_with_history)."""
        return await self.cohorts.find_one({"_id": cohort_id}, {"fill_history": 0})

    async def cohort_with_history(self, cohort_id: str) -> dict[str, Any] | None:
        """The cohort with its fill over time (`fill_history`), for the charts and reports."""
        document = await self.cohorts.find_one({"_id": cohort_id})
        if document is None:
            return None
        return document | {
            "fill_history": await self.fill_history(cohort_id, document.get("fill_history") or [])
        }

    async def cohort_for_check(
        self, cohort_id: str, max_age_s: float = CHECK_MAX_AGE_S
    ) -> dict[str, Any] | None:
        """The cohort for a check that only spares a round trip (the catalogue decides anyway), such
        as the funding kinds an enrolment request may name: read again after `max_age_s` (changes
        this process records are written through), so many requests for one cohort share a read."""
        now = time.monotonic()
        found = self._checked.get(cohort_id)
        if found is not None and now - found[0] < max_age_s:
            return found[1]
        document = await self.cohort(cohort_id)
        if len(self._checked) >= CHECKED_COHORTS:
            self._checked.clear()
        self._checked[cohort_id] = (now, document)
        return document

    def _write_through(self, cohort_id: str, fields: dict[str, Any]) -> None:
        """A change this process records keeps the checks' copy as the write leaves the document."""
        found = self._checked.get(cohort_id)
        if found is not None:
            self._checked[cohort_id] = (found[0], {**(found[1] or {}), **fields, "cohort_id": cohort_id})

    async def all_cohorts(self, query: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return await self.cohorts.find(query or {}).sort("_id", ASCENDING).to_list(None)

    async def next_waitlist_seq(self, cohort_id: str) -> int:
        doc = await self.cohorts.find_one_and_update(
            {"_id": cohort_id},
            {"$inc": {"waitlist_seq": 1}, "$setOnInsert": {"cohort_id": cohort_id}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return int(doc["waitlist_seq"])

    async def mark_cohort(self, cohort_id: str, flag: str) -> bool:
        """Set a one-time flag on a cohort (e.g. demo seeding); True only for the first caller."""
        result = await self.cohorts.update_one(
            {"_id": cohort_id, flag: {"$ne": True}}, {"$set": {flag: True}}, upsert=False
        )
        return result.modified_count == 1


__all__ = [
    "DESCENDING",
    "INDEXES",
    "OUTBOX_COLLECTIONS",
    "AlreadyExists",
    "ConcurrentChange",
    "RecruitmentStore",
]

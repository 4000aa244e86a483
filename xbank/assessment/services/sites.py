"""Exam sites (考点) and rooms (考场), with the room's standardisation certification."""

from __future__ import annotations

import datetime

from django.db import transaction

from xbank.audit import services as audit
from xbank.orgs.models import Institution

from ..models import (
    ExamRoom,
    ExamSite,
)
from ..rules import check_certification_dates
from .common import _assign


@transaction.atomic
def site_create(
    *, actor, institution: Institution, name: str, address: str, contact: str = "", notes: str = ""
) -> ExamSite:
    site = ExamSite.objects.create(
        institution=institution, name=name, address=address, contact=contact, notes=notes
    )
    audit.log(actor, "assessment.site.created", site)
    return site


SITE_FIELDS = ("name", "address", "contact", "notes", "is_active")


@transaction.atomic
def site_update(*, actor, site: ExamSite, **values) -> ExamSite:
    changed = _assign(site, SITE_FIELDS, values)
    if changed:
        site.save(update_fields=list(changed))
        audit.log(actor, "assessment.site.updated", site, data={"changed": changed})
    return site


@transaction.atomic
def room_create(
    *,
    actor,
    site: ExamSite,
    name: str,
    capacity: int,
    equipment: str = "",
    certification_no: str = "",
    certified_on: datetime.date | None = None,
    certified_until: datetime.date | None = None,
) -> ExamRoom:
    check_certification_dates(certified_on, certified_until)
    room = ExamRoom.objects.create(
        site=site,
        name=name,
        capacity=capacity,
        equipment=equipment,
        certification_no=certification_no,
        certified_on=certified_on,
        certified_until=certified_until,
    )
    audit.log(actor, "assessment.room.created", room)
    return room


ROOM_FIELDS = (
    "name",
    "capacity",
    "equipment",
    "certification_no",
    "certified_on",
    "certified_until",
    "is_active",
)


@transaction.atomic
def room_update(*, actor, room: ExamRoom, **values) -> ExamRoom:
    """Edit a room. A lower capacity does not touch sessions already holding more seats there:
    their seats were checked when the room was added."""
    room = ExamRoom.objects.select_for_update().get(pk=room.pk)
    check_certification_dates(
        values.get("certified_on", room.certified_on),
        values.get("certified_until", room.certified_until),
    )
    changed = _assign(room, ROOM_FIELDS, values)
    if changed:
        room.save(update_fields=list(changed))
        audit.log(actor, "assessment.room.updated", room, data={"changed": changed})
    return room

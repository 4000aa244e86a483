"""Exam sites (考点) and rooms (考场), with the room's standardisation certification."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from xbank.audit import services as audit
from xbank.core.actors import Actor
from xbank.orgs.models import Institution

from ..models import (
    ExamRoom,
    ExamSite,
)
from ..rules import check_certification_dates
from .common import _assign, _require_manage


@transaction.atomic
def site_create(
    *,
    actor: Actor,
    institution: Institution,
    name: str,
    address: str,
    contact: str = "",
    notes: str = "",
) -> ExamSite:
    _require_manage(actor, institution.pk)
    site = ExamSite.objects.create(
        institution=institution, name=name, address=address, contact=contact, notes=notes
    )
    audit.log(actor, "assessment.site.created", site)
    return site


SITE_FIELDS = ("name", "address", "contact", "notes", "is_active")


@transaction.atomic
def site_update(*, actor: Actor, site: ExamSite, **values: Any) -> ExamSite:
    _require_manage(actor, site.institution_id)
    changed = _assign(site, SITE_FIELDS, values)
    if changed:
        site.save(update_fields=list(changed))
        audit.log(actor, "assessment.site.updated", site, data={"changed": changed})
    return site


@transaction.atomic
def room_create(
    *,
    actor: Actor,
    site: ExamSite,
    name: str,
    capacity: int,
    equipment: str = "",
    certification_no: str = "",
    certified_on: datetime.date | None = None,
    certified_until: datetime.date | None = None,
) -> ExamRoom:
    _require_manage(actor, site.institution_id)
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
def room_update(*, actor: Actor, room: ExamRoom, **values: Any) -> ExamRoom:
    """Edit a room. A lower capacity does not touch sessions already holding more seats there:
    their seats were checked when the room was added."""
    room = ExamRoom.objects.select_for_update(of=("self",)).select_related("site").get(pk=room.pk)
    _require_manage(actor, room.site.institution_id)
    check_certification_dates(
        values.get("certified_on", room.certified_on),
        values.get("certified_until", room.certified_until),
    )
    changed = _assign(room, ROOM_FIELDS, values)
    if changed:
        room.save(update_fields=list(changed))
        audit.log(actor, "assessment.room.updated", room, data={"changed": changed})
    return room

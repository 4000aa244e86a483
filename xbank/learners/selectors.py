"""Reads of learners (学习者), learning accounts (个人学习账户) and learning outcomes (学习成果).

Every function here is scoped once, through ``scope_for(user)``: staff see the learner records of
their institution, school or major; a learner sees only their own account. An outcome or an account
is visible when one of the account's learner records is (a subquery on learner ids, so a person
registered twice is still one row). Protected rows are fetched through ``access_*``, which raises
the same 404 for a row that does not exist and for one the user may not see.

Querysets come back with their related rows already fetched, so a page makes the same number of
queries however many rows it shows.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import ExtractYear
from django.http import Http404

from xbank.accounts.access import Grants, Viewer, grants_for
from xbank.accounts.models import REVEAL_ID_ROLES, Role, User
from xbank.accounts.scoping import scope_for
from xbank.catalog.models import CertificateType

from .filters import LearnerFilter, OutcomeFilter
from .models import (
    FullIdExport,
    Learner,
    LearningAccount,
    LearningOutcome,
    ProfileChange,
    held_certificates_q,
)

# Who sees which learner records, and the filter choices that follow, live in ``scoping`` (the
# filter sets use them too); they stay importable from here.
from .scoping import (  # noqa: F401
    institution_options,
    learner_scope_q,
    major_options,
    school_options,
    sees_own_records,
)

LEARNER_ORDER = ("account__name_pinyin", "id")
OUTCOME_ORDER = ("-issued_on", "-id")


# --- Scope -----------------------------------------------------------------------------------


class _AccountId(TypedDict):
    account_id: int


def _account_ids_in_scope(user: Viewer) -> QuerySet[Learner, _AccountId]:
    return Learner.objects.filter(learner_scope_q(user)).values("account_id")


# --- Learners ----------------------------------------------------------------------------------


def learner_list(*, user: Viewer, filters: Mapping[str, Any] | None = None) -> QuerySet[Learner]:
    """Learner records in the user's scope, in pinyin order of the name, related rows fetched.

    ``filters`` takes the same keys as the list page's query string (see ``LearnerFilter``).
    """
    qs = (
        Learner.objects.filter(learner_scope_q(user))
        .select_related("account", "institution", "school", "major")
        .order_by(*LEARNER_ORDER)
    )
    if filters is not None:
        qs = LearnerFilter(filters, queryset=qs, user=user).qs
    return qs


def learner_get(*, user: Viewer, pk: int | str) -> Learner | None:
    try:
        return learner_list(user=user).get(pk=pk)
    except (Learner.DoesNotExist, ValueError, TypeError):
        return None


def access_learner(user: Viewer, pk: int | str) -> Learner:
    """One learner record, or 404 whether it is missing or outside the user's scope."""
    learner = learner_get(user=user, pk=pk)
    if learner is None:
        raise Http404("No such learner")
    return learner


def learner_others(*, user: Viewer, learner: Learner) -> QuerySet[Learner]:
    """The other learner records of the same person that the user may see."""
    return learner_list(user=user).filter(account_id=learner.account_id).exclude(pk=learner.pk)


# --- Learning accounts -------------------------------------------------------------------------


def account_list(*, user: Viewer) -> QuerySet[LearningAccount]:
    """Accounts with at least one learner record in scope (and the user's own account)."""
    if scope_for(user).regional:
        return LearningAccount.objects.all()
    q = Q(pk__in=_account_ids_in_scope(user))
    if sees_own_records(user):
        q |= Q(user=user)
    return LearningAccount.objects.filter(q)


def access_account(user: Viewer, pk: int | str) -> LearningAccount:
    try:
        return account_list(user=user).get(pk=pk)
    except (LearningAccount.DoesNotExist, ValueError, TypeError):
        raise Http404("No such learning account") from None


def account_get_for_user(*, user: Viewer) -> LearningAccount | None:
    """The learning account linked to a login (a learner's own), with records and outcomes."""
    if not isinstance(user, User):  # anonymous, nobody or the system: no account of theirs
        return None
    return (
        LearningAccount.objects.filter(user=user)
        .prefetch_related(
            Prefetch(
                "learners",
                queryset=Learner.objects.select_related("institution", "school", "major").order_by(
                    "-created_at", "-id"
                ),
            ),
            Prefetch("outcomes", queryset=account_outcomes_qs()),
        )
        .first()
    )


def account_outcomes_qs() -> QuerySet[LearningOutcome]:
    return LearningOutcome.objects.select_related("certificate_type").order_by(*OUTCOME_ORDER)


def account_outcomes(*, account: LearningAccount) -> QuerySet[LearningOutcome]:
    """Every outcome of an account the caller already holds through ``access_*``, newest first."""
    return account_outcomes_qs().filter(account=account)


# --- Learning outcomes -------------------------------------------------------------------------


def outcomes_in_scope(*, user: Viewer) -> QuerySet[LearningOutcome]:
    """Outcomes whose account has a learner record in the user's scope (no related rows)."""
    qs = LearningOutcome.objects.all()
    if not scope_for(user).regional:
        qs = qs.filter(account_id__in=_account_ids_in_scope(user))
    return qs


def outcome_list(
    *, user: Viewer, filters: Mapping[str, Any] | None = None
) -> QuerySet[LearningOutcome]:
    """Outcomes in the user's scope, newest first, with account and certificate type fetched.

    Each row carries ``learner_id``: one learner record of the person that the user may open.
    """
    qs = (
        outcomes_in_scope(user=user)
        .select_related("account", "certificate_type")
        .annotate(
            learner_id=Subquery(
                Learner.objects.filter(learner_scope_q(user), account_id=OuterRef("account_id"))
                .order_by("-created_at", "-id")
                .values("pk")[:1]
            )
        )
        .order_by(*OUTCOME_ORDER)
    )
    if filters is not None:
        qs = OutcomeFilter(filters, queryset=qs, user=user).qs
    return qs


@dataclass
class StatsRow:
    certificate_type_id: int | None
    name: str
    kind: str
    counts: list[int]
    total: int


@dataclass
class CertificateStats:
    """Certificates held, counted by certificate type (rows) and year of issue (columns)."""

    years: list[int] = field(default_factory=list)
    rows: list[StatsRow] = field(default_factory=list)
    year_totals: list[int] = field(default_factory=list)
    total: int = 0
    persons: int = 0


def certificate_stats(*, outcomes: QuerySet[LearningOutcome]) -> CertificateStats:
    """持证统计 over a scoped (and possibly filtered) queryset from ``outcomes_in_scope``.

    Two queries: one grouped count by (certificate type, year), one count of distinct people.
    """
    held = outcomes.filter(held_certificates_q())
    grouped = (
        held.order_by()
        .annotate(year=ExtractYear("issued_on"))
        .values("certificate_type_id", "certificate_type__name", "certificate_type__kind", "year")
        .annotate(n=Count("id"))
    )
    cells: dict[int | None, dict[int, int]] = {}
    names: dict[int | None, tuple[str, str]] = {}
    for row in grouped:
        type_id = row["certificate_type_id"]
        cells.setdefault(type_id, {})[row["year"]] = row["n"]
        names[type_id] = (row["certificate_type__name"] or "", row["certificate_type__kind"] or "")
    years = sorted({year for by_year in cells.values() for year in by_year})
    kind_labels = dict(CertificateType.Kind.choices)
    rows = [
        StatsRow(
            certificate_type_id=type_id,
            name=names[type_id][0],
            kind=str(kind_labels.get(names[type_id][1], "")),
            counts=[cells[type_id].get(year, 0) for year in years],
            total=sum(cells[type_id].values()),
        )
        for type_id in sorted(cells, key=lambda t: (t is None, names[t][1], names[t][0]))
    ]
    persons = held.order_by().aggregate(n=Count("account_id", distinct=True))["n"]
    return CertificateStats(
        years=years,
        rows=rows,
        year_totals=[sum(r.counts[i] for r in rows) for i in range(len(years))],
        total=sum(r.total for r in rows),
        persons=persons,
    )


# --- Identity re-check -----------------------------------------------------------------------


@dataclass(frozen=True)
class IdentityProblem:
    account_id: int
    account_no: str
    name: str
    id_type: str
    masked: str
    reason: str


def identity_problems(*, chunk_size: int = 2000) -> Iterator[IdentityProblem]:
    """Every learning account whose stored document no longer passes today's checks.

    A deployment made before the check-digit fix (which refused most real numbers and let about
    one wrong number in eleven through) keeps what it stored; this re-validates every number, and
    also that its lookup hash, birth date and gender still agree with it, since a record whose
    hash is not the number's can never be found again by that number. Yields masked numbers only.
    """
    from django.core.exceptions import ValidationError

    from xbank.core.identity import document_key, parse_document
    from xbank.core.pii import lookup_hash, mask_id_number

    fields = ("id", "account_no", "name", "id_type", "id_number", "id_hash", "birth_date", "gender")
    for account in LearningAccount.objects.only(*fields).order_by("id").iterator(chunk_size):
        number = account.id_number or ""
        masked = mask_id_number(number)

        def problem(
            reason: str, account: LearningAccount = account, masked: str = masked
        ) -> IdentityProblem:
            return IdentityProblem(
                account.pk, account.account_no, account.name, account.id_type, masked, reason
            )

        try:
            document = parse_document(number, account.id_type)
        except ValidationError as exc:
            yield problem("；".join(exc.messages))
            continue
        if document.number != number:
            yield problem("证件号码未按规范存储（全角、空格或小写 x）")
        elif lookup_hash(document_key(document.type, document.number)) != account.id_hash:
            yield problem("检索摘要与证件号码不符，按证件号查不到该账户")
        elif document.birth_date and account.birth_date != document.birth_date:
            yield problem(
                f"出生日期 {account.birth_date} 与证件号码中的 {document.birth_date} 不符"
            )
        elif document.gender and account.gender != document.gender:
            yield problem("性别与证件号码第 17 位不符")


# --- Full-ID exports ---------------------------------------------------------------------------


def full_export_learners(export: FullIdExport) -> QuerySet[Learner]:
    """The rows of a full-ID export: the requester's list with the filters they exported.

    The requester's scope applies as it is now, so a role withdrawn since the request narrows
    the file rather than widening it.
    """
    return learner_list(user=export.requester, filters=export.filters)


def full_export_may_approve(*, user: User, export: FullIdExport) -> bool:
    """A second person may approve: a role that may see full numbers, never the requester, and a
    scope that covers every row of the export (a college's approver cannot release another
    college's learners)."""
    if user.pk == export.requester_id or not scope_for(user).may_reveal_id:
        return False
    visible = Learner.objects.filter(learner_scope_q(user)).values("pk")
    return not full_export_learners(export).exclude(pk__in=visible).exists()


def full_export_approvers(export: FullIdExport) -> list[User]:
    """Everyone who may approve the export: the recipients of its to-do notification."""
    candidates = (
        User.objects.filter(is_active=True, role_assignments__role__in=REVEAL_ID_ROLES)
        .exclude(pk=export.requester_id)
        .distinct()
        .order_by("pk")
    )
    return [user for user in candidates if full_export_may_approve(user=user, export=export)]


def full_export_list(*, user: User) -> QuerySet[FullIdExport]:
    """The user's own full-ID export requests, newest first."""
    return FullIdExport.objects.filter(requester=user).select_related("approver")


def full_exports_to_approve(*, user: User) -> list[FullIdExport]:
    """Requests of others waiting for a decision that this user may take."""
    pending = (
        FullIdExport.objects.filter(status=FullIdExport.Status.REQUESTED)
        .exclude(requester=user)
        .select_related("requester")
        .order_by("created_at", "id")
    )
    return [e for e in pending if full_export_may_approve(user=user, export=e)]


def access_full_export(user: User, pk: int | str) -> FullIdExport:
    """An export request seen by its requester or by someone who may approve it; 404 else."""
    export = (
        FullIdExport.objects.select_related("requester", "approver").filter(pk=pk).first()
        if str(pk).isdigit()
        else None
    )
    if export is None or (
        export.requester_id != user.pk and not full_export_may_approve(user=user, export=export)
    ):
        raise Http404("No such export")
    return export


# --- Proposed changes of stored details (信息变更申请) ------------------------------------------


def change_institution_ids(user: Viewer) -> set[int]:
    """Institutions whose proposed changes the user decides: where they hold the role of
    continuing education (继续教育学院), which runs public registration."""
    return set(decided_institutions(grants_for(user)))


def decided_institutions(grants: Grants) -> frozenset[int]:
    return grants.institutions(Role.CONTINUING_ED).ids


def decides_changes(grants: Grants) -> bool:
    """Opens the to-do list of proposed changes (the guard of its pages)."""
    return bool(decided_institutions(grants))


def profile_change_list(*, user: Viewer, status: str | None = None) -> QuerySet[ProfileChange]:
    """Proposed changes of the user's institutions, newest first, related rows fetched."""
    qs = (
        ProfileChange.objects.filter(institution_id__in=change_institution_ids(user))
        .select_related("account", "learner", "institution", "decided_by")
        .order_by("-created_at", "-id")
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def access_profile_change(user: Viewer, pk: int | str) -> ProfileChange:
    try:
        return profile_change_list(user=user).get(pk=pk)
    except (ProfileChange.DoesNotExist, ValueError, TypeError):
        raise Http404("No such change") from None

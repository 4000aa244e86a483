"""The columns and checks every import of people shares: name, document type and number, and
the lookup of accounts by the keyed hash of the number, for the whole file in a few queries (one
learning account per person, invariant 1, whatever the spelling of the number). Used by the
learner and outcome imports here and by other apps' imports of people (assessment sign-ups).
"""

from __future__ import annotations

import datetime
import random

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xbank.core.actors import Actor, is_system
from xbank.core.identity import DocumentType, parse_document
from xbank.core.testing import make_id_number
from xbank.imports import cleaners
from xbank.imports.bulk import rows_matching
from xbank.imports.pipeline import Column, Context, Report, Table

from ..models import Learner, LearningAccount, account_id_hash
from ..services import ERR_NAME_CHECK, ERR_NAME_MISMATCH

RESIDENT_ID = DocumentType.RESIDENT_ID.value
ID_NUMBER_SYNONYMS = (
    "身份证号",
    "身份证号码",
    "证件号",
    "身份证",
    "公民身份号码",
    "身份证件号",
    "身份证件号码",
    "证件编号",
)
DOCUMENT_TYPE_OPTIONS = {
    **{str(label): value for value, label in DocumentType.choices},
    "身份证": DocumentType.RESIDENT_ID.value,
    "港澳台居住证": DocumentType.HMT_RESIDENCE.value,
    "回乡证": DocumentType.HK_MACAO_PERMIT.value,
    "台胞证": DocumentType.TAIWAN_PERMIT.value,
}
DOCUMENT_TYPE_LABELS = tuple(str(label) for _, label in DocumentType.choices)

# A synthetic, valid ID number for the templates' example rows (never a real person's).
EXAMPLE_ID = make_id_number(
    random.Random(0), area="110101", birth=datetime.date(2005, 3, 7), female=True
)


def name_column(**kwargs) -> Column:
    return Column(
        "name",
        "姓名",
        cleaners.person_name,
        synonyms=("学生姓名", "学员姓名", "考生姓名", "持证人", "持证人姓名", "名字"),
        required=True,
        example="张三",  # the customary placeholder name on Chinese forms
        width=12,
        **kwargs,
    )


def id_type_column() -> Column:
    return Column(
        "id_type",
        "证件类型",
        cleaners.choice(DOCUMENT_TYPE_OPTIONS, shown=DOCUMENT_TYPE_LABELS),
        synonyms=("身份证件类型", "证件种类"),
        choices=DOCUMENT_TYPE_LABELS,
        example="居民身份证",
        help=_("不填时按居民身份证处理"),
        width=18,
    )


def id_number_column() -> Column:
    return Column(
        "id_number",
        "证件号码",
        cleaners.raw,
        synonyms=ID_NUMBER_SYNONYMS,
        required=True,
        example=EXAMPLE_ID,
        help=_("请保持“文本”格式，否则 Excel 会丢失 18 位号码的末尾几位"),
        text_format=True,
        width=22,
    )


def prepare_people(table: Table, report: Report, *, keep_documents: bool = True) -> None:
    """Parse each row's document with its type, and hash it, once per distinct number.

    Adds the column ``id_hash`` and, unless the import only looks people up (outcomes), the
    column ``document`` (``Document`` or None) for opening new accounts."""
    memo: dict = {}
    documents, hashes = [], []
    for row_no, id_type, raw in table.rows("id_type", "id_number"):
        if raw is None:
            documents.append(None)
            hashes.append(None)
            continue
        key = (id_type or RESIDENT_ID, raw)
        found = memo.get(key)
        if found is None:
            try:
                document = parse_document(raw, key[0])
                found = (document, account_id_hash(document))
            except ValidationError as exc:
                found = exc.messages[0]
            memo[key] = found
        if isinstance(found, str):
            report.error(row_no, "id_number", found)
            documents.append(None)
            hashes.append(None)
            continue
        document, id_hash = found
        for warning in document.warnings:
            report.warn(row_no, "id_number", warning)
        documents.append(document)
        hashes.append(id_hash)
    if keep_documents:
        table.add("document", documents)
    else:
        # The raw numbers are not needed past this point: the preview's kept rows hold only
        # the keyed hashes (see ``xbank.imports.services``).
        table.columns["id_number"] = [None] * len(table)
    table.add("id_hash", hashes)


def find_accounts(hashes) -> dict[str, tuple]:
    """id_hash → (account id, name, account number) for the accounts that exist."""
    rows = rows_matching(
        LearningAccount.objects.all(), "id_hash", hashes, ("id_hash", "id", "name", "account_no")
    )
    return {id_hash: rest for id_hash, *rest in rows}


def importer(ctx: Context) -> Actor:
    """Who imports: the person, or ``SYSTEM`` (the command line, a batch uploaded by no one)."""
    return ctx.actor


def sees_all_learners(ctx: Context) -> bool:
    """The system or a regional role imports: no learner is outside what they reach (a person's
    ``ctx.scope`` is always set)."""
    return is_system(importer(ctx)) or ctx.scope.regional


class NameCheck:
    """The message for a row whose name disagrees with the account's.

    It names the stored name only to a user who already sees a learner record of that person
    (the scope of their roles; the command line sees all); anyone else, a partner college
    importing a roster with another college's learner on it, gets ``ERR_NAME_CHECK``, so that
    an import cannot turn an ID number into a name. Who is seen is looked up once per file, and
    only when a row disagrees.
    """

    def __init__(self, ctx: Context, accounts: dict[str, tuple]) -> None:
        self.scope = ctx.scope
        self.sees_all = sees_all_learners(ctx)
        self.accounts = accounts
        self._seen: set[int] | None = None

    def sees(self, account_id: int) -> bool:
        if self.sees_all:
            return True
        scope = self.scope
        if self._seen is None:
            in_scope = Learner.objects.filter(
                scope.q(institution="institution", school="school", major="major")
            )
            ids = [entry[0] for entry in self.accounts.values()]
            rows = rows_matching(in_scope, "account_id", ids, ("account_id",))
            self._seen = {account_id for (account_id,) in rows}
        return account_id in self._seen

    def message(self, account_id: int, existing: str, given: str) -> str:
        if self.sees(account_id):
            return ERR_NAME_MISMATCH.format(existing=existing, given=given)
        return ERR_NAME_CHECK

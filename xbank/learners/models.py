from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from stdnum import luhn

from xbank.catalog.models import CertificateType, Course, Level
from xbank.core.identity import Document, DocumentType, document_key
from xbank.core.pii import EncryptedTextField, lookup_hash, mask_id_number, mask_phone
from xbank.orgs.models import Institution, Major, School


def new_account_no() -> str:
    """Sixteen digits, like a bank card: fifteen random (first non-zero) and a Luhn check digit.

    Random rather than sequential so an account number reveals nothing about how many accounts
    exist or who registered next; the check digit catches a mistyped digit at the counter. The
    space (9×10^14) makes a collision within even a million accounts a few-in-a-million event,
    and the unique constraint catches it.
    """
    body = str(secrets.randbelow(9 * 10**14) + 10**14)
    return body + luhn.calc_check_digit(body)


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")
    UNKNOWN = "", _("未知")


class LearningAccount(models.Model):
    """A personal learning account (个人学习账户): one per person across the whole credit bank.

    The person is identified by the keyed hash of their document number (``id_hash``, unique);
    the number itself is stored encrypted. Every learner record (a student place, a social
    learner registration) and every learning outcome of the person hangs off this one account.
    """

    account_no = models.CharField(_("账户号"), max_length=16, unique=True, default=new_account_no)
    name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = models.CharField(_("姓名拼音"), max_length=200, db_index=True, editable=False)
    id_type = models.CharField(
        _("证件类型"), max_length=20, choices=DocumentType.choices, default="resident_id"
    )
    id_number = EncryptedTextField(_("证件号码"))
    id_hash = models.CharField(max_length=64, unique=True, editable=False)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    phone = EncryptedTextField(_("手机号"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录用户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="learning_account",
    )
    created_at = models.DateTimeField(_("开户时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("个人学习账户")
        verbose_name_plural = _("个人学习账户")
        ordering = ["name_pinyin", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.account_no}）"

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def account_no_display(self) -> str:
        n = self.account_no
        return " ".join(n[i : i + 4] for i in range(0, len(n), 4))


def account_id_hash(document: Document) -> str:
    """The ``id_hash`` of the account of the person holding ``document``."""
    return lookup_hash(document_key(document.type, document.number))


class Learner(models.Model):
    """A learner (学习者) record: a student place at an institution, or a social learner (社会学员)
    registered with one. A person may hold several (a social learner who later enrols gains a
    student record), all on the same learning account."""

    class Kind(models.TextChoices):
        STUDENT = "student", _("在校生")
        SOCIAL = "social", _("社会学员")

    class Status(models.TextChoices):
        ACTIVE = "active", _("在读/在册")
        GRADUATED = "graduated", _("已毕业")
        WITHDRAWN = "withdrawn", _("已退学/注销")

    account = models.ForeignKey(
        LearningAccount,
        verbose_name=_("学习账户"),
        on_delete=models.PROTECT,
        related_name="learners",
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    institution = models.ForeignKey(
        Institution, verbose_name=_("院校"), on_delete=models.PROTECT, related_name="learners"
    )
    school = models.ForeignKey(
        School, verbose_name=_("二级学院"), null=True, blank=True, on_delete=models.PROTECT
    )
    major = models.ForeignKey(
        Major, verbose_name=_("专业"), null=True, blank=True, on_delete=models.PROTECT
    )
    cohort_year = models.PositiveSmallIntegerField(_("年级"), null=True, blank=True)
    student_no = models.CharField(_("学号"), max_length=30, blank=True)
    class_name = models.CharField(_("班级"), max_length=50, blank=True)
    education = models.CharField(_("学历"), max_length=20, blank=True)
    employer = models.CharField(_("工作单位"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default="active")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("学习者")
        verbose_name_plural = _("学习者")
        ordering = ["account__name_pinyin", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "institution", "kind"], name="learner_unique_per_institution"
            ),
            models.UniqueConstraint(
                fields=["institution", "student_no"],
                condition=~Q(student_no=""),
                name="learner_unique_student_no",
            ),
            models.CheckConstraint(
                condition=Q(kind="social") | (Q(major__isnull=False) & Q(school__isnull=False)),
                name="learner_student_has_major",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account.name} · {self.get_kind_display()}"


class OutcomeKind(models.TextChoices):
    COURSE_RESULT = "course_result", _("课程成绩")
    DIPLOMA = "diploma", _("学历证书")
    SKILL_CERTIFICATE = "skill_certificate", _("职业技能等级证书")
    QUALIFICATION = "qualification", _("职业资格证书")
    TRAINING = "training", _("培训结业")
    OTHER = "other", _("其他")


CERTIFICATE_OUTCOME_KINDS = {
    OutcomeKind.DIPLOMA,
    OutcomeKind.SKILL_CERTIFICATE,
    OutcomeKind.QUALIFICATION,
}


class LearningOutcome(models.Model):
    """A learning outcome (学习成果) stored in a learning account: a course result, a diploma, a
    certificate held, a training completion… Unique by (issuer, number): the same certificate
    imported twice is the same row."""

    class Status(models.TextChoices):
        VERIFIED = "verified", _("已核验")
        PENDING = "pending", _("待审核")
        REVOKED = "revoked", _("已撤销")

    class Source(models.TextChoices):
        IMPORT = "import", _("批量导入")
        MANUAL = "manual", _("手工录入")
        API = "api", _("接口同步")
        AWARD = "award", _("证书发放")

    account = models.ForeignKey(
        LearningAccount,
        verbose_name=_("学习账户"),
        on_delete=models.PROTECT,
        related_name="outcomes",
        db_index=False,  # the (account, -issued_on) index below serves every lookup by account
    )
    kind = models.CharField(_("成果类型"), max_length=20, choices=OutcomeKind.choices)
    title = models.CharField(_("名称"), max_length=150)
    certificate_type = models.ForeignKey(
        CertificateType,
        verbose_name=_("证书类型"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outcomes",
    )
    course = models.ForeignKey(
        Course, verbose_name=_("课程"), null=True, blank=True, on_delete=models.PROTECT
    )
    issuer = models.CharField(_("发证/认定机构"), max_length=100)
    number = models.CharField(_("证书/记录编号"), max_length=64)
    issued_on = models.DateField(_("取得日期"))
    level = models.CharField(_("等级"), max_length=20, choices=Level.choices, blank=True)
    score = models.DecimalField(_("分数"), max_digits=5, decimal_places=1, null=True, blank=True)
    grade = models.CharField(_("成绩等第"), max_length=10, blank=True)
    credits = models.DecimalField(_("学分"), max_digits=4, decimal_places=1, null=True, blank=True)
    evidence = models.FileField(_("佐证材料"), upload_to="evidence/%Y/%m/", blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="verified")
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default="manual")
    import_batch = models.ForeignKey(
        "imports.ImportBatch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # never searched by batch; each index slows a 100,000-row import
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("学习成果")
        verbose_name_plural = _("学习成果")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "number"], name="outcome_unique_issuer_number"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=1000)),
                name="outcome_score_range",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-issued_on"]),
            models.Index(fields=["kind", "certificate_type", "issued_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.number}）"


def held_certificates_q() -> Q:
    """Certificates held (持证): diplomas, skill-level and qualification certificates, not revoked."""
    return Q(kind__in=list(CERTIFICATE_OUTCOME_KINDS)) & ~Q(status=LearningOutcome.Status.REVOKED)


class FullIdExport(models.Model):
    """A request to export learners with their full document numbers (完整证件号导出).

    The export is a controlled act: a reason, a daily limit per person and, when
    ``XBANK_FULL_EXPORT_APPROVAL`` is on, a second person's approval. The filters of the list are
    kept so the file can be produced after approval, with a document-number filter only as its
    keyed hash, never the number. The workbook is encrypted with a one-time password that is
    shown once and stored nowhere; ``file`` holds the encrypted bytes between preparing them and
    the one download, then is emptied.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待审批")
        APPROVED = "approved", _("已批准，待下载")
        REJECTED = "rejected", _("已驳回")
        DOWNLOADED = "downloaded", _("已下载")
        EXPIRED = "expired", _("已过期")

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("导出原因"))
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    filter_description = models.CharField(_("筛选条件说明"), max_length=500, blank=True)
    rows = models.PositiveIntegerField(_("申请时人数"))
    rows_exported = models.PositiveIntegerField(_("导出人数"), null=True, blank=True)
    approval_required = models.BooleanField(_("需审批"), default=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.REQUESTED
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("失效时间"))
    prepared_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    downloaded_at = models.DateTimeField(_("下载时间"), null=True, blank=True)
    file = models.BinaryField(_("加密文件"), blank=True, default=b"", editable=False)

    class Meta:
        verbose_name = _("完整证件号导出")
        verbose_name_plural = _("完整证件号导出")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requester", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="approved")
                | Q(approval_required=False)
                | Q(approver__isnull=False),
                name="fullidexport_approved_has_approver",
            ),
            models.CheckConstraint(
                condition=Q(approver__isnull=True) | ~Q(approver=models.F("requester")),
                name="fullidexport_not_self_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('完整证件号导出')} #{self.pk}"


class ProfileChange(models.Model):
    """A proposed change (信息变更申请) to a person's stored details, from a source that may not
    write them itself: a public registration (公开报名) whose name, phone, education or employer
    differs from what is stored.

    Anonymous requests never change stored personal data (DESIGN invariant 12): the difference is
    kept here, with only the fields that differ filled in (blank = no change proposed), until
    continuing-education staff (继续教育学院) of ``institution`` accept or reject it. A proposed
    ``name`` means the registration's name disagreed with the account's: the registration waits
    for a manual check.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待核对")
        ACCEPTED = "accepted", _("已采纳")
        REJECTED = "rejected", _("未采纳")

    class Source(models.TextChoices):
        PUBLIC_REGISTRATION = "public_registration", _("公开报名")

    account = models.ForeignKey(
        LearningAccount,
        verbose_name=_("学习账户"),
        on_delete=models.PROTECT,
        related_name="profile_changes",
    )
    # None while a name mismatch keeps the person from being linked to the institution.
    learner = models.ForeignKey(
        Learner,
        verbose_name=_("学习者"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="profile_changes",
    )
    institution = models.ForeignKey(
        Institution, verbose_name=_("院校"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("来源"), max_length=30, choices=Source.choices)
    context = models.CharField(_("事由"), max_length=200, blank=True)
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = EncryptedTextField(_("手机号"), blank=True)
    education = models.CharField(_("学历"), max_length=20, blank=True)
    employer = models.CharField(_("工作单位"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("处理说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("信息变更申请")
        verbose_name_plural = _("信息变更申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name="", phone="", education="", employer=""),
                name="profilechange_proposes_something",
            ),
        ]
        indexes = [models.Index(fields=["institution", "status"])]

    def __str__(self) -> str:
        return f"{self.account.account_no} · {self.get_status_display()}"

    @property
    def name_mismatch(self) -> bool:
        return bool(self.name)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    def proposed(self) -> dict[str, str]:
        """The fields this change proposes, by name, in a fixed order."""
        return {f: getattr(self, f) for f in PROFILE_FIELDS if getattr(self, f)}


# Fields a profile change may propose, in the order pages show them.
PROFILE_FIELDS = ("name", "phone", "education", "employer")

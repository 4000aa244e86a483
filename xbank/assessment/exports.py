"""Excel exports of the assessment lists, one ``ListExport`` per list (pretix's
``ListExporter``): the file's title, the header row and a row per object; ``xbank.core.xlsx``
renders. ID numbers are exported masked."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xbank.core.xlsx import ListExport


class SiteExport(ListExport):
    title = gettext_lazy("考点")

    def headers(self):
        return [_("院校"), _("考点名称"), _("地址"), _("考点负责人"), _("考场数"), _("启用")]

    def rows(self, sites):
        for site in sites:
            yield [
                site.institution.name,
                site.name,
                site.address,
                site.contact,
                site.room_count,
                _("是") if site.is_active else _("否"),
            ]


class RoomExport(ListExport):
    title = gettext_lazy("考场")

    def headers(self):
        return [
            _("院校"),
            _("考点"),
            _("考场名称"),
            _("座位数"),
            _("设施设备"),
            _("标准化考场认定编号"),
            _("认定日期"),
            _("认定有效期至"),
            _("今天是否有效"),
        ]

    def rows(self, rooms):
        today = timezone.localdate()
        for room in rooms:
            yield [
                room.site.institution.name,
                room.site.name,
                room.name,
                room.capacity,
                room.equipment,
                room.certification_no,
                room.certified_on,
                room.certified_until,
                _("有效") if room.is_certified_on(today) else _("无效"),
            ]


class QualificationExport(ListExport):
    title = gettext_lazy("考评员资格")

    def headers(self):
        return [
            _("考评员"),
            _("用户名"),
            _("登记院校"),
            _("证书"),
            _("等级"),
            _("考评员证书编号"),
            _("发证机构"),
            _("有效期自"),
            _("有效期至"),
            _("今天是否有效"),
        ]

    def rows(self, qualifications):
        today = timezone.localdate()
        for q in qualifications:
            yield [
                str(q.user),
                q.user.username,
                q.institution.name,
                q.certificate_type.name,
                q.get_level_display(),
                q.certificate_no,
                q.issuer,
                q.valid_from,
                q.valid_until,
                _("有效") if q.is_valid_on(today) else _("无效"),
            ]


class SessionExport(ListExport):
    title = gettext_lazy("考核批次")

    def headers(self):
        return [
            _("院校"),
            _("批次名称"),
            _("证书"),
            _("等级"),
            _("考核日期"),
            _("开始时间"),
            _("结束时间"),
            _("考场数"),
            _("考生数"),
            _("状态"),
        ]

    def rows(self, sessions):
        for s in sessions:
            yield [
                s.institution.name,
                s.title,
                s.certificate_type.name,
                s.level_label,
                s.date,
                s.start_time.strftime("%H:%M"),
                s.end_time.strftime("%H:%M"),
                s.room_count,
                s.candidate_count,
                s.get_status_display(),
            ]


def _result_cells(candidate) -> list:
    result = getattr(candidate, "result", None)
    if result is None:
        return ["", "", "", ""]
    if result.absent:
        return ["", "", _("缺考"), _("不合格")]
    return [
        result.theory_score,
        result.practical_score,
        _("已考"),
        _("合格") if result.passed else _("不合格"),
    ]


class CandidateExport(ListExport):
    title = gettext_lazy("考生")

    def headers(self):
        return [
            _("考核日期"),
            _("考核批次"),
            _("证书"),
            _("等级"),
            _("准考证号"),
            _("姓名"),
            _("证件号码"),
            _("考场"),
            _("座位号"),
            _("来源"),
            _("理论成绩"),
            _("实操成绩"),
            _("考试情况"),
            _("结果"),
            _("证书编号"),
        ]

    def rows(self, candidates):
        for c in candidates:
            award = getattr(c, "award", None)
            yield [
                c.session.date,
                c.session.title,
                c.session.certificate_type.name,
                c.session.level_label,
                c.ticket_no,
                c.account.name,
                c.account.id_number_masked,
                str(c.session_room.room),
                c.seat_no,
                c.get_source_display(),
                *_result_cells(c),
                award.certificate_no if award is not None else "",
            ]


class SessionCandidateExport(CandidateExport):
    """A session's candidates, exported from the session's page: the same columns, another
    file name."""

    title = gettext_lazy("考生名单")


class AwardExport(ListExport):
    title = gettext_lazy("证书发放")

    def headers(self):
        return [
            _("姓名"),
            _("证件号码"),
            _("证书"),
            _("等级"),
            _("证书编号"),
            _("发证机构"),
            _("发证日期"),
            _("考核批次"),
            _("准考证号"),
            _("状态"),
            _("撤销原因"),
        ]

    def rows(self, awards):
        for a in awards:
            yield [
                a.account.name,
                a.account.id_number_masked,
                a.certificate_type.name,
                a.get_level_display(),
                a.certificate_no,
                a.issuer,
                a.issued_on,
                a.candidate.session.title,
                a.candidate.ticket_no,
                a.get_status_display(),
                a.revoked_reason,
            ]


class StatsExport(ListExport):
    """The appraisal statistics (鉴定统计) by year, certificate and level: its rows are those of
    ``selectors.appraisal_stats``, not a queryset."""

    title = gettext_lazy("鉴定统计")

    def headers(self):
        return [
            _("年份"),
            _("证书"),
            _("等级"),
            _("报考人数"),
            _("鉴定人数"),
            _("合格人数"),
            _("合格率（%）"),
        ]

    def rows(self, stats):
        for row in stats.rows:
            yield [
                row.year,
                row.certificate,
                row.level_label,
                row.candidates,
                row.examined,
                row.passed,
                row.pass_rate,
            ]


class PassMarkExport(ListExport):
    """Pass marks (合格线): its rows are ``(certificate type, pass mark)`` pairs."""

    title = gettext_lazy("合格线")

    def headers(self):
        return [
            _("证书"),
            _("类别"),
            _("理论合格线"),
            _("理论满分"),
            _("实操合格线"),
            _("实操满分"),
        ]

    def rows(self, entries):
        for certificate_type, mark in entries:
            yield [
                certificate_type.name,
                certificate_type.get_kind_display(),
                mark.theory,
                mark.theory_full,
                mark.practical,
                mark.practical_full,
            ]

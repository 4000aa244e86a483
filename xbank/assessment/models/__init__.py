"""Skill assessment (职业技能等级考核) and certificate awards (证书发放), seed 四(三).

Exam sites (考点) hold rooms (考场) whose standardisation certification (标准化考场) expires;
examiners (考评员) hold qualifications per certificate type and level with validity dates; an
assessment session (考核批次) puts candidates (考生) into seats of certified rooms watched by at
least two qualified examiners per room; results (成绩) are entered by those examiners or imported
from the evaluation organisation's file; a certificate award (证书发放) becomes a learning outcome
in the holder's learning account.

One module per entity (pretix ``base/models/``); every model is importable from here.
"""

from .awards import CertificateAward
from .candidates import DEFAULT_FULL_MARKS, DEFAULT_PASS_MARK, Candidate, ExamResult, PassMark
from .examiners import SKILL_LEVELS, ExaminerQualification, level_covers
from .sessions import (
    MAX_ROOMS_PER_SESSION,
    MIN_EXAMINERS_PER_ROOM,
    ConfidentialityStep,
    ExamSession,
    SessionExaminer,
    SessionIncident,
    SessionRoom,
)
from .sites import MAX_SEATS, ExamRoom, ExamSite

__all__ = [
    "DEFAULT_FULL_MARKS",
    "DEFAULT_PASS_MARK",
    "MAX_ROOMS_PER_SESSION",
    "MAX_SEATS",
    "MIN_EXAMINERS_PER_ROOM",
    "SKILL_LEVELS",
    "Candidate",
    "CertificateAward",
    "ConfidentialityStep",
    "ExamResult",
    "ExamRoom",
    "ExamSession",
    "ExamSite",
    "ExaminerQualification",
    "PassMark",
    "SessionExaminer",
    "SessionIncident",
    "SessionRoom",
    "level_covers",
]

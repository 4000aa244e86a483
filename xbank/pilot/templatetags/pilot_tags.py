"""The pilot's part of other apps' pages: on a teacher's page (师资队伍), the pilot majors whose
examiner compliance the teacher counts for."""

from __future__ import annotations

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("pilot/_teacher_pilot_majors.html")
def teacher_pilot_majors(teacher):
    return {"teacher": teacher, "pilot_majors": selectors.teacher_pilot_majors(teacher)}

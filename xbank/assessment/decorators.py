"""Page guards: logged in, and holding a role that reads (or runs) assessments somewhere; which
rows are visible is then up to the selectors' ``access_*`` (404 outside the user's scope). The
predicates are in ``access.py``."""

from __future__ import annotations

from xbank.accounts.decorators import require

from . import access

view_required = require(access.views_some)
manage_required = require(access.manages_some)
qualifications_required = require(access.reads_qualifications)
qualifications_manage_required = require(access.keeps_qualifications)

"""Pages of skill assessment (考核) and certificate awards (证书发放), one module per entity
(pretix ``control/views/``); ``urls.py`` names each page by its module.

Thin views: a guard (``decorators``) for the role, ``selectors.access_*`` for the row (the same
404 for missing and out of scope), one service call, a message or a form error, a redirect.
"""

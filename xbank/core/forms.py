"""Form pieces shared by every app."""

from __future__ import annotations

from django import forms


class FilterForm(forms.Form):
    """The form of every list page's filter bar: small Bootstrap controls, nothing required.

    Used as ``Meta.form`` of django-filter filter sets and rendered by ``core/_filter_bar.html``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            widget.attrs.setdefault("class", css)

"""Form fields shared by the forms and the filter bars (which sit below the forms' services)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xbank.core.identity import Document, DocumentType, parse_document


class DocumentNumberField(forms.CharField):
    """A document number typed into a search box, cleaned to every document it can be.

    A resident ID number is the usual case and its error is the one shown; a passport or permit
    number is accepted too, since the account is keyed by whatever document the person gave.
    """

    def clean(self, value) -> list[Document] | None:
        value = super().clean(value)
        if not value:
            return None
        documents = []
        first_error: ValidationError | None = None
        for doc_type in DocumentType.values:
            try:
                documents.append(parse_document(value, doc_type))
            except ValidationError as exc:
                first_error = first_error or exc
        if not documents:
            raise ValidationError(
                _("证件号%(reason)s"), params={"reason": " ".join(first_error.messages)}
            )
        return documents

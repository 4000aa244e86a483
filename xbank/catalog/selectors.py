from __future__ import annotations

from xbank.core.identity import normalize_text

from .models import CertificateAlias, CertificateType


def _key(name: str) -> str:
    return normalize_text(name or "")


def certificate_type_lookup() -> dict[str, CertificateType]:
    """Every name and alias of every certificate type, normalised, in two queries.

    Importers build this once per file rather than querying per row.
    """
    table: dict[str, CertificateType] = {}
    types = {ct.pk: ct for ct in CertificateType.objects.select_related("evaluation_org")}
    for ct in types.values():
        table[_key(ct.name)] = ct
    for alias in CertificateAlias.objects.all():
        table[_key(alias.alias)] = types[alias.certificate_type_id]
    return table


def certificate_type_resolve(name: str, lookup: dict[str, CertificateType] | None = None):
    """The certificate type a user means by ``name`` (its name or any alias), or None."""
    if lookup is None:
        lookup = certificate_type_lookup()
    return lookup.get(_key(name))

"""Who an audit entry names: a user, or the system (``core.actors.SYSTEM``) as "系统"."""

import pickle

from xbank.accounts.tests.factories import UserFactory
from xbank.audit import services as audit
from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM, is_system


def test_the_system_is_recorded_without_a_user_and_named_as_such(db):
    entry = audit.log(SYSTEM, "imports.batch.committed", data={"rows": 1})
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.actor is None and entry.actor_name == "系统"
    person = UserFactory(full_name="林嘉怡")
    assert AuditEntry.objects.get(pk=audit.log(person, "x.y").pk).actor_name == "林嘉怡"


def test_the_system_is_one_truthy_object_that_is_no_user():
    assert SYSTEM and is_system(SYSTEM) and not is_system(None)
    assert not SYSTEM.is_authenticated and SYSTEM.pk is None
    assert pickle.loads(pickle.dumps(SYSTEM)) is SYSTEM

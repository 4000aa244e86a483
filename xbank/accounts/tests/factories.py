import factory

from xbank.accounts.models import Role, RoleAssignment, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="zh_CN")
    password = factory.PostGenerationMethodCall("set_password", "pass-123456")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def user_with_role(role: str, *, institution=None, school=None, major=None, **kwargs) -> User:
    """A user holding one role in one scope (school staff are scoped by their school)."""
    user = UserFactory(**kwargs)
    if role == Role.SCHOOL_STAFF and school is not None:
        institution = institution or school.institution
    RoleAssignment.objects.create(
        user=user, role=role, institution=institution, school=school, major=major
    )
    return user

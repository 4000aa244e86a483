import factory

from xbank.orgs.models import Department, Institution, Major, MajorGroup, School


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    code = factory.Sequence(lambda n: f"{14000 + n}")
    name = factory.Sequence(lambda n: f"测试职业技术学院{n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    institution = factory.SubFactory(InstitutionFactory)
    code = factory.Sequence(lambda n: f"S{n:02d}")
    name = factory.Sequence(lambda n: f"第{n}二级学院")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    institution = factory.SubFactory(InstitutionFactory)
    kind = Department.Kind.ACADEMIC_AFFAIRS
    name = "教务处"


class MajorGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MajorGroup

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"专业群{n}")


class MajorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Major

    school = factory.SubFactory(SchoolFactory)
    institution = factory.SelfAttribute("school.institution")
    code = factory.Sequence(lambda n: f"{520200 + n}")
    name = factory.Sequence(lambda n: f"专业{n}")

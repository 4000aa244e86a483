import factory

from xbank.catalog.models import (
    CertificateAlias,
    CertificateType,
    Course,
    Curriculum,
    CurriculumCourse,
    EvaluationOrg,
    Level,
    StandardModule,
)
from xbank.orgs.tests.factories import InstitutionFactory, MajorFactory


class EvaluationOrgFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluationOrg

    name = factory.Sequence(lambda n: f"培训评价组织{n}")


class CertificateTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificateType

    name = factory.Sequence(lambda n: f"测试职业技能等级证书{n}")
    kind = CertificateType.Kind.SKILL_LEVEL
    evaluation_org = factory.SubFactory(EvaluationOrgFactory)
    levels = [Level.JUNIOR, Level.INTERMEDIATE, Level.SENIOR]


class CertificateAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificateAlias

    certificate_type = factory.SubFactory(CertificateTypeFactory)
    alias = factory.Sequence(lambda n: f"别名{n}")


class StandardModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StandardModule

    certificate_type = factory.SubFactory(CertificateTypeFactory)
    level = Level.JUNIOR
    code = factory.Sequence(lambda n: f"M{n:03d}")
    name = factory.Sequence(lambda n: f"标准模块{n}")


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    institution = factory.SubFactory(InstitutionFactory)
    code = factory.Sequence(lambda n: f"C{n:05d}")
    name = factory.Sequence(lambda n: f"课程{n}")
    credits = 2
    hours = 32


class CurriculumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Curriculum

    major = factory.SubFactory(MajorFactory)
    cohort_year = 2023
    total_credits = 140


class CurriculumCourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CurriculumCourse

    curriculum = factory.SubFactory(CurriculumFactory)
    course = factory.SubFactory(
        CourseFactory, institution=factory.SelfAttribute("..curriculum.major.institution")
    )
    semester = 1
    credits = 2
    required = True
    category = CurriculumCourse.Category.CORE

import pytest

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.catalog.models import CertificateAlias, CertificateType, Course, EvaluationOrg
from xbank.orgs.tests.factories import InstitutionFactory, MajorFactory, SchoolFactory


@pytest.fixture
def college(db):
    return InstitutionFactory(name="广东测试职业技术学院")


@pytest.fixture
def nursing_school(college):
    return SchoolFactory(institution=college, name="护理学院")


@pytest.fixture
def nursing(nursing_school):
    return MajorFactory(school=nursing_school, code="520201", name="护理")


@pytest.fixture
def elderly_care(nursing_school):
    return MajorFactory(school=nursing_school, code="590302", name="智慧健康养老服务与管理")


@pytest.fixture
def computing(college):
    return MajorFactory(
        school=SchoolFactory(institution=college, name="信息学院"),
        code="510201",
        name="计算机应用技术",
    )


@pytest.fixture
def registrar(college):
    """教务处: imports anything into the college."""
    return user_with_role(Role.ACADEMIC_AFFAIRS, institution=college)


@pytest.fixture
def outsider(db):
    """教务处 of another college: may import, but sees nothing of ours."""
    return user_with_role(Role.ACADEMIC_AFFAIRS, institution=InstitutionFactory())


@pytest.fixture
def nursing_staff(nursing_school):
    """二级学院 staff of the nursing school only."""
    return user_with_role(Role.SCHOOL_STAFF, school=nursing_school)


@pytest.fixture
def elderly_cert(db):
    org = EvaluationOrg.objects.create(name="测试养老服务评价组织有限公司")
    ct = CertificateType.objects.create(
        name="老年照护职业技能等级证书",
        kind=CertificateType.Kind.SKILL_LEVEL,
        evaluation_org=org,
        levels=["junior", "intermediate", "senior"],
    )
    CertificateAlias.objects.create(certificate_type=ct, alias="老年照护")
    return ct


@pytest.fixture
def care_course(college):
    return Course.objects.create(
        institution=college, code="HL101", name="基础护理", credits=4, hours=64
    )

import pytest

from jiayi.core.errors import Forbidden, NotFound, ValidationFailed
from jiayi.core.models import AuditEvent
from jiayi.registry import services
from jiayi.registry.errors import (
    DuplicateInstitution,
    DuplicateRegion,
    InvalidParent,
    InvalidRegionCode,
    OutOfScope,
)
from jiayi.registry.models import InstitutionKind, InstitutionLevel, PopulationBaseline, RegionLevel

pytestmark = pytest.mark.django_db


def test_region_create_village(world):
    r = services.region_create(
        actor=world.u.commission,
        code="500114001002",
        name="东二村",
        level=RegionLevel.VILLAGE,
        parent=world.t1,
    )
    assert r.county_code == "500114" and r.parent == world.t1
    assert AuditEvent.objects.filter(action="create", object_type="registry.region").exists()


@pytest.mark.parametrize(
    "code, level, parent_attr, error",
    [
        ("50011400100", "village", "t1", InvalidRegionCode),  # 11 digits
        ("500114001002", "township", "county", InvalidRegionCode),  # village digits on a township
        ("500114002003", "village", "t1", InvalidRegionCode),  # not under the parent prefix
        ("500114001000", "village", "t1", InvalidRegionCode),  # own part all zero
        ("500114003000", "township", "t1", InvalidParent),  # township under a township
        ("500114001001", "village", "t1", DuplicateRegion),  # exists (东一村)
    ],
)
def test_region_create_rejections(world, code, level, parent_attr, error):
    with pytest.raises(error):
        services.region_create(
            actor=world.u.commission, code=code, name="x", level=level, parent=getattr(world, parent_attr)
        )


def test_region_writes_limited_to_own_subtree(world):
    with pytest.raises(Forbidden):
        services.region_create(
            actor=world.u.inst_a, code="500114001002", name="x", level="village", parent=world.t1
        )
    with pytest.raises(NotFound):
        services.region_update(actor=world.u.commission_far, region=world.t1, name="x")
    city = world.county.parent  # none in the fixture: a root without parent needs a sysadmin
    assert city is None
    with pytest.raises(InvalidParent):
        services.region_create(actor=world.u.commission, code="510000000000", name="四川省", level="province")
    services.region_create(actor=world.u.admin, code="510000000000", name="四川省", level="province")


def test_region_update_name(world):
    services.region_update(actor=world.u.commission, region=world.v1, name="东一社区", is_urban=True)
    world.v1.refresh_from_db()
    assert world.v1.name == "东一社区" and world.v1.is_urban


def test_institution_create_defaults_level(world):
    inst = services.institution_create(
        actor=world.u.commission,
        code="A001-02",
        name="东二村卫生室",
        kind=InstitutionKind.VILLAGE_CLINIC,
        region=world.v1,
        parent=world.a,
    )
    assert inst.level == InstitutionLevel.VILLAGE
    hosp = services.institution_create(
        actor=world.u.commission,
        code="H001",
        name="区人民医院",
        kind=InstitutionKind.SECONDARY_HOSPITAL,
        region=world.county,
    )
    assert hosp.level == InstitutionLevel.SECONDARY


def test_institution_parent_rules(world):
    with pytest.raises(InvalidParent):  # a clinic needs a parent
        services.institution_create(
            actor=world.u.commission, code="X1", name="x", kind="village_clinic", region=world.v1
        )
    with pytest.raises(InvalidParent):  # a clinic's parent must be a centre
        services.institution_create(
            actor=world.u.commission,
            code="X2",
            name="x",
            kind="village_clinic",
            region=world.v1,
            parent=world.clinic,
        )
    with pytest.raises(NotFound):  # a parent in another county is not even visible
        services.institution_create(
            actor=world.u.commission, code="X3", name="x", kind="chs", region=world.v1, parent=world.far
        )
    with pytest.raises(InvalidParent):  # ... and a sysadmin is refused for the county rule
        services.institution_create(
            actor=world.u.admin, code="X3", name="x", kind="chs", region=world.v1, parent=world.far
        )
    with pytest.raises(DuplicateInstitution):
        services.institution_create(
            actor=world.u.commission, code="A001", name="x", kind="thc", region=world.t1
        )
    with pytest.raises(InvalidParent):  # a cycle
        services.institution_update(actor=world.u.commission, institution=world.a, parent=world.clinic)
    with pytest.raises(Forbidden):
        services.institution_create(actor=world.u.inst_a, code="X4", name="x", kind="thc", region=world.t1)
    with pytest.raises(OutOfScope):
        services.institution_create(
            actor=world.u.commission, code="X5", name="x", kind="thc", region=world.other_county
        )


def test_institution_update_kind_rederives_level_and_deactivates(world):
    inst = services.institution_update(
        actor=world.u.commission, institution=world.b, kind=InstitutionKind.TERTIARY_HOSPITAL, is_active=False
    )
    assert inst.level == InstitutionLevel.TERTIARY and not inst.is_active


def test_baseline_set_upserts(world):
    row = services.baseline_set(
        actor=world.u.inst_a, institution=world.a, year=2024, population="all", count=30000, source="统计局"
    )
    again = services.baseline_set(
        actor=world.u.inst_a, institution=world.a, year=2024, population="all", count=31000
    )
    assert again.pk == row.pk and again.count == 31000
    assert PopulationBaseline.objects.count() == 1
    assert list(
        AuditEvent.objects.filter(object_type="registry.populationbaseline").values_list("action", flat=True)
    ) == [
        "update",
        "create",
    ]


def test_baseline_rejections(world):
    with pytest.raises(ValidationFailed):
        services.baseline_set(
            actor=world.u.admin, institution=world.a, year=2024, population="martians", count=1
        )
    with pytest.raises(ValidationFailed):
        services.baseline_set(actor=world.u.admin, institution=world.a, year=2024, population="all", count=-1)
    with pytest.raises(ValidationFailed):
        services.baseline_set(actor=world.u.admin, institution=world.a, year=1800, population="all", count=1)
    with pytest.raises(OutOfScope):
        services.baseline_set(actor=world.u.inst_a, institution=world.b, year=2024, population="all", count=1)
    with pytest.raises(Forbidden):
        services.baseline_set(actor=world.u.doctor, institution=world.a, year=2024, population="all", count=1)
    with pytest.raises(Forbidden):
        services.baseline_set(
            actor=world.u.finance, institution=world.a, year=2024, population="all", count=1
        )

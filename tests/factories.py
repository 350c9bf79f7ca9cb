"""factory_boy factories for tests. Sensitive fields go through the same setters as the services."""

import datetime as dt
import itertools

import factory
from factory.django import DjangoModelFactory

from jiayi.core import nationalid
from jiayi.core.models import Role, User
from jiayi.registry import models as reg
from jiayi.registry.fields import set_national_id, set_phone
from jiayi.teams import models as teams

_seq = itertools.count(1)


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = reg.Region
        django_get_or_create = ("code",)

    code = "500114000000"
    name = "黔江区"
    level = reg.RegionLevel.COUNTY


def county(code6="500114", name="黔江区"):
    return RegionFactory(code=code6 + "000000", name=name, level=reg.RegionLevel.COUNTY)


def township(parent, n=1, name=None):
    code = parent.code[:6] + f"{n:03d}" + "000"
    return RegionFactory(code=code, name=name or f"第{n}街道", level=reg.RegionLevel.TOWNSHIP, parent=parent)


def village(parent, n=1, name=None):
    code = parent.code[:9] + f"{n:03d}"
    return RegionFactory(code=code, name=name or f"第{n}村", level=reg.RegionLevel.VILLAGE, parent=parent)


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = reg.Institution

    code = factory.Sequence(lambda n: f"INST{n:05d}")
    name = factory.Sequence(lambda n: f"第{n}卫生院")
    kind = reg.InstitutionKind.THC
    level = reg.InstitutionLevel.PRIMARY
    region = factory.LazyFunction(lambda: county())


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = reg.Household

    code = factory.Sequence(lambda n: f"HH{n:08d}")
    region = factory.LazyAttribute(lambda o: o.institution.region)
    institution = factory.SubFactory(InstitutionFactory)


def make_national_id(birth=dt.date(1960, 5, 17), sex="M", region6="500114") -> str:
    # Even sequence numbers: make() bumps to odd for men, so consecutive calls never collide.
    return nationalid.make(region6, birth, (2 * next(_seq)) % 1000, sex)


class ResidentFactory(DjangoModelFactory):
    """`national_id` and `phone` are plain values; the factory encrypts them like the services do."""

    class Meta:
        model = reg.Resident

    name = factory.Sequence(lambda n: f"居民{n}")
    national_id = factory.LazyFunction(make_national_id)
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    institution = factory.SubFactory(InstitutionFactory)
    region = factory.LazyAttribute(lambda o: o.institution.region)

    @classmethod
    def _create(cls, model_class, *args, national_id=None, phone=None, **kwargs):
        obj = model_class(*args, **kwargs)
        set_national_id(obj, national_id)
        set_phone(obj, phone)
        obj.save()
        return obj


class PractitionerFactory(DjangoModelFactory):
    class Meta:
        model = teams.Practitioner

    name = factory.Sequence(lambda n: f"医生{n}")
    licence_no = factory.Sequence(lambda n: f"1105001{n:08d}")
    profession = teams.Profession.GENERAL_PRACTICE
    title = teams.Title.ATTENDING
    institution = factory.SubFactory(InstitutionFactory)


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = teams.Team

    name = factory.Sequence(lambda n: f"家庭医生{n}团队")
    institution = factory.SubFactory(InstitutionFactory)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda o: o.username)
    role = Role.DOCTOR

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):  # noqa: N805
        obj.set_password(extracted or "pass-word-123")
        if create:
            obj.save(update_fields=["password"])

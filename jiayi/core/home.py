"""The home page of each role: the figures that person starts the day with."""

from .models import Role


def home_context(user) -> tuple[str, dict]:
    role = Role.SYSADMIN if user.is_superuser else user.role
    return "core/home.html", {"role": role}

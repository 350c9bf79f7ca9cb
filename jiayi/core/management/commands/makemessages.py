from django.core.management.commands import makemessages


class Command(makemessages.Command):
    """Django's makemessages, also extracting `_l(...)`.

    Modules that need both eager and lazy translation import `gettext_lazy as _l`; xgettext knows
    only the standard names, so without this those strings never reach the catalogue.
    """

    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_l"]

from django.utils.functional import SimpleLazyObject

from .access import grants_for
from .scoping import scope_for
from .workbench import menu_for


def roles(request):
    user = getattr(request, "user", None)
    return {
        "xbank_scope": scope_for(user),
        # Built only when a page shows the top bar for a signed-in user.
        "xbank_menu": SimpleLazyObject(lambda: menu_for(grants_for(user).roles)),
    }

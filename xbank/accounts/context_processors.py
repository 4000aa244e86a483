from .scoping import scope_for


def roles(request):
    user = getattr(request, "user", None)
    return {"xbank_scope": scope_for(user)}

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .scoping import scope_for
from .workbench import duties_for


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
def workbench(request):
    scope = scope_for(request.user)
    return render(request, "accounts/workbench.html", {"sections": duties_for(scope.roles)})

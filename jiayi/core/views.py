from django.contrib.auth import views as auth_views
from django.shortcuts import render

from .forms import LockoutAuthenticationForm
from .home import home_context


class LoginView(auth_views.LoginView):
    form_class = LockoutAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def home(request):
    template, context = home_context(request.user)
    return render(request, template, context)

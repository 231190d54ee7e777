"""The signed-in person's own profile (个人资料): what team lists are filled from when they are chosen."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from evaluations.interfaces.forms import ProfileForm


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "个人资料已保存。以后加入评价小组时，姓名、专业资格和职务按此填写。")
        return redirect("profile")
    return render(request, "evaluations/manage/profile.html", {"form": form})

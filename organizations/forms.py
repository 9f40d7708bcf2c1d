from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import District, Organization


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Organization.Kind.choices]
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        required=False,
        queryset=District.objects.all(),
        to_field_name="slug",
        empty_label=_("All districts"),
    )

    def filter(self, organizations):
        if not self.is_valid():
            return organizations
        data = self.cleaned_data
        if data["q"]:
            organizations = organizations.filter(
                Q(name__icontains=data["q"]) | Q(city__icontains=data["q"])
            )
        if data["kind"]:
            organizations = organizations.filter(kind=data["kind"])
        if data["district"]:
            organizations = organizations.filter(district=data["district"])
        return organizations

"""What organizations forgets by itself, and its privacy-notice lines (see accounts/privacy.py).

Memberships are the roles a person holds; they go with the account (or when an
administrator removes them), so there is nothing for the daily job here.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.privacy import Retention, register_retention

register_retention(
    Retention(
        key="organizations.memberships",
        purpose=gettext_lazy("Your roles in schools, libraries and other organizations"),
        stored=gettext_lazy("Which organization, which role (teacher, staff, admin), since when."),
        kept=lambda: _(
            "As long as you hold the role; an organization's administrator removes it when "
            "you leave, and it ends with your account"
        ),
        order=11,
    )
)

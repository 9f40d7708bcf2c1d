from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


# Titles and forms of address that are no name of their own (compared case-insensitively;
# any word ending in "." counts as one too: "Dr.", "Prof.", "Dipl.-Ing.").
GREETING_TITLES = frozenset({"dr", "prof", "herr", "frau", "mr", "mrs", "ms", "mx"})


class User(AbstractUser):
    """A person. Logs in with the email address; roles come from memberships."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Emails and pages are in this language."),
    )
    is_region_admin = models.BooleanField(
        _("region administrator"),
        default=False,
        help_text=_("Sees and manages every organization of the region."),
    )

    # When the person was told that their unused account will be deleted (retention).
    inactivity_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Moves on whenever one of the person's 2FA authenticators is removed, so that a session
    # that remembered "has 2FA" checks again (accounts.mfa).
    mfa_epoch = models.PositiveIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["name", "email"]

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email

    def greeting_name(self) -> str:
        """The name an email greets: the full name, or "" when the name is empty or only
        titles ("Dr.", "Prof. Dr."), so that the email says "Guten Tag," rather than
        "Hallo Dr.,". The first word alone would greet a title or a first name."""
        words = self.name.split()
        if all(word.endswith(".") or word.casefold() in GREETING_TITLES for word in words):
            return ""
        return " ".join(words)

    def role_names(self) -> frozenset[str]:
        """Every role the person holds anywhere, for the navigation. Cached per request object."""
        if not hasattr(self, "_role_names"):
            roles = set(self.memberships.values_list("role", flat=True))
            if self.is_region_admin:
                roles.add("region_admin")
            self._role_names = frozenset(roles)
        return self._role_names


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal API token. Only a hash is stored; the secret is shown once, at creation."""

    PREFIX = "lp_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("beginning"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)


class AuditLog(models.Model):
    """Who did what to which object, when. Holds ids, never copies of personal data."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    # A plain id, not a foreign key: organizations sits above accounts and is not imported here.
    organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"


class ErasureRequest(models.Model):
    """A person asked staff to delete their account. Staff record the request (its reason and
    the day it was made), the person is emailed at once with the day of deletion, and the
    daily job erases the account once ``erase_after`` has passed, unless the person objected
    (``objected_at``) in the meantime. Goes with the account."""

    REASON_MAX_LENGTH = 1000

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="erasure_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    # Ids and a name only: accounts imports no app above it.
    organization_id = models.BigIntegerField(null=True, blank=True)
    organization_name = models.CharField(max_length=200, blank=True)
    reason = models.TextField(_("reason"), max_length=REASON_MAX_LENGTH)
    requested_on = models.DateField(_("request made on"))
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    erase_after = models.DateTimeField(_("to be deleted after"))
    objected_at = models.DateTimeField(_("objected"), null=True, blank=True)

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(objected_at__isnull=True),
                name="one_pending_erasure_request_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class AccessibilityFeedback(models.Model):
    """A barrier reported through the accessibility statement's form (the feedback mechanism
    BITV 2.0 / BayBITV require): stored, emailed to the operator, answered by the operator
    (who records when), and copied to the person who wrote it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=150, blank=True)
    email = models.EmailField(_("email address"))
    page = models.CharField(_("page"), max_length=500, blank=True)
    message = models.TextField(_("message"), max_length=5000)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer_note = models.TextField(_("how it was answered"), max_length=5000, blank=True)

    class Meta:
        verbose_name = _("accessibility feedback")
        verbose_name_plural = _("accessibility feedback")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} #{self.pk}"


class IdempotentRequest(models.Model):
    """An API ``POST`` sent with an ``Idempotency-Key`` header, and its first answer: the same
    key with the same request within 24 hours gets that answer again instead of doing the
    work twice (``accounts.idempotency``). ``scope`` is a hash of who sent it (their API
    token or their account), so keys of different people never meet. ``status_code`` is
    empty while the first request is still being answered."""

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="one_answer_per_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

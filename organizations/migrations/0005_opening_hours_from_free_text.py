"""The free-text opening hours become weekly hours (OpeningSchedule) where they can be read;
what cannot be read stays in the text, now the notes on opening hours. Nothing is lost: the
reverse writes the weekly hours back into the text."""

from django.db import migrations, models

from organizations.hours_text import parse_opening_hours, week_as_text


def free_text_to_hours(apps, schema_editor):
    Organization = apps.get_model("organizations", "Organization")
    OpeningSchedule = apps.get_model("organizations", "OpeningSchedule")
    OpeningInterval = apps.get_model("organizations", "OpeningInterval")
    with_hours = OpeningSchedule.objects.values("organization_id")
    for organization in Organization.objects.exclude(opening_hours="").exclude(
        pk__in=with_hours
    ):
        parsed = parse_opening_hours(organization.opening_hours)
        if parsed is None:
            continue  # kept whole as notes: staff enter the hours in the form
        schedule = OpeningSchedule.objects.create(organization=organization)
        OpeningInterval.objects.bulk_create(
            OpeningInterval(schedule=schedule, weekday=day, opens=opens, closes=closes)
            for day, intervals in parsed.week.items()
            for opens, closes in intervals
        )
        organization.opening_hours = "\n".join(parsed.notes)
        organization.save(update_fields=["opening_hours"])


def hours_to_free_text(apps, schema_editor):
    """Back to text: the open-ended weekly hours first, then the notes."""
    Organization = apps.get_model("organizations", "Organization")
    OpeningSchedule = apps.get_model("organizations", "OpeningSchedule")
    OpeningInterval = apps.get_model("organizations", "OpeningInterval")
    for schedule in OpeningSchedule.objects.filter(
        valid_from__isnull=True, valid_until__isnull=True
    ):
        week = {}
        for interval in OpeningInterval.objects.filter(schedule_id=schedule.pk).order_by(
            "weekday", "opens"
        ):
            week.setdefault(interval.weekday, []).append((interval.opens, interval.closes))
        organization = Organization.objects.get(pk=schedule.organization_id)
        text = "\n".join(part for part in (week_as_text(week), organization.opening_hours) if part)
        organization.opening_hours = text[:1000]
        organization.save(update_fields=["opening_hours"])


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0004_opening_hours"),
    ]

    operations = [
        migrations.AlterField(
            model_name="organization",
            name="opening_hours",
            field=models.TextField(
                blank=True,
                help_text="What the opening hours above cannot say, e.g. appointments by phone.",
                max_length=1000,
                verbose_name="notes on opening hours",
            ),
        ),
        migrations.RunPython(free_text_to_hours, hours_to_free_text),
    ]

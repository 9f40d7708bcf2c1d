from django.forms.renderers import TemplatesSetting


class KernFormRenderer(TemplatesSetting):
    """Every Django form renders with KERN UX markup, an error summary and linked errors."""

    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"

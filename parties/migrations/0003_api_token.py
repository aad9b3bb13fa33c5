"""Named, expiring API tokens stored as digests; the clear-text tokens of DRF's authtoken go.

rest_framework.authtoken kept every key in clear in `authtoken_token`. Its table, its migration
records and its content types (with their permissions) are removed, so that no clear key stays
at rest and a later reinstall would start clean. Its keys stop working: users make new tokens on
/accounts/tokens/.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def forget_authtoken_content_types(apps, schema_editor):
    # Their permissions (and grants of them) go with them.
    apps.get_model("contenttypes", "ContentType").objects.filter(app_label="authtoken").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('parties', '0002_audit_entry'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('auth', '0012_alter_user_first_name_max_length'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('digest', models.CharField(max_length=128, primary_key=True, serialize=False)),
                ('token_key', models.CharField(max_length=25, unique=True)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('name', models.CharField(max_length=100)),
                ('expiry', models.DateTimeField()),
                ('last_used_at', models.DateTimeField(blank=True, null=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='auth_token_set', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'API token',
                'ordering': ['-created'],
            },
        ),
        migrations.RunSQL(
            [
                "DROP TABLE IF EXISTS authtoken_token",
                "DELETE FROM django_migrations WHERE app = 'authtoken'",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.RunPython(forget_authtoken_content_types, migrations.RunPython.noop),
    ]

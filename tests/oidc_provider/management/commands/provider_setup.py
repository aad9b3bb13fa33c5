from django.core.management import call_command
from django.core.management.base import BaseCommand
from oauth2_provider.models import Application


class Command(BaseCommand):
    help = "Make the database and register the application as a confidential OpenID Connect client."

    def add_arguments(self, parser):
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--client-secret", required=True)
        parser.add_argument("--redirect-uris", nargs="+", required=True)

    def handle(self, *args, client_id, client_secret, redirect_uris, **options):
        call_command("migrate", verbosity=0, interactive=False)
        Application.objects.filter(client_id=client_id).delete()
        Application.objects.create(
            name="Critical Minerals Agreement",
            client_id=client_id,
            client_secret=client_secret,  # hashed on save
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(redirect_uris),
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,
        )

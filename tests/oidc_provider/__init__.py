"""A small OpenID Connect provider (django-oauth-toolkit) that the tests start on 127.0.0.1.

It stands in for an agency's identity provider: people sign in on its own page, and it releases
a `groups` claim (its Django groups) with the `groups` scope. Run by `tests/browser/oidc.py`;
its data (SQLite database, RSA signing key) live in OIDC_PROVIDER_DATA, a temporary folder.
"""

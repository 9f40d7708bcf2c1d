"""Tampered ID tokens are refused: allauth's verification of the ID token against the real
provider's keys (JWKS) and discovery document, and a replayed answer at the callback."""

from __future__ import annotations

import time
import urllib.parse

import pytest
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.accounts.test_oidc import LOGIN
from tests.oidc.provider import CLIENT_ID


@pytest.fixture
def verify(rf, school_login):
    def verify(token: str) -> dict:
        adapter = OpenIDConnectOAuth2Adapter(rf.get("/"), "schule")
        return adapter._decode_id_token(school_login, token)

    return verify


@pytest.fixture
def claims(oidc_provider) -> dict:
    now = int(time.time())
    return {
        "iss": oidc_provider.issuer,
        "aud": CLIENT_ID,
        "sub": "anna",
        "iat": now,
        "exp": now + 300,
        "amr": ["pwd", "otp"],
    }


def test_a_token_of_the_provider_passes(verify, oidc_provider, claims):
    assert verify(oidc_provider.sign(claims))["amr"] == ["pwd", "otp"]


@pytest.mark.parametrize(
    "change",
    [
        {"iss": "http://127.0.0.1:9/"},
        {"aud": "someone-else"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
    ],
    ids=["wrong-issuer", "wrong-audience", "expired"],
)
def test_a_token_with_wrong_claims_is_refused(verify, oidc_provider, claims, change):
    with pytest.raises(OAuth2Error):
        verify(oidc_provider.sign({**claims, **change}))


def test_a_token_signed_with_another_key_is_refused(verify, oidc_provider, claims):
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(OAuth2Error):
        verify(oidc_provider.sign(claims, key=forger))


def test_an_amr_changed_after_signing_is_refused(verify, oidc_provider, claims):
    # A token the provider signed with amr=["pwd"], its payload swapped for one saying "otp".
    header, _payload, signature = oidc_provider.sign({**claims, "amr": ["pwd"]}).split(".")
    forged = oidc_provider.sign(claims).split(".")[1]
    with pytest.raises(OAuth2Error):
        verify(f"{header}.{forged}.{signature}")


def test_a_replayed_token_is_refused(verify, oidc_provider, claims):
    token = oidc_provider.sign({**claims, "jti": "once"})
    verify(token)
    with pytest.raises(OAuth2Error):
        verify(token)


def test_a_replayed_answer_of_the_provider_gets_a_clear_page(client, school_login, oidc_provider):
    oidc_provider.set_account("hans", email="hans@schule.example")
    response = client.post(LOGIN, {"process": "login"})
    back = urllib.parse.urlsplit(oidc_provider.log_in(response["Location"], "hans"))
    callback = f"{back.path}?{back.query}"
    assert client.get(callback).status_code == 302
    client.logout()
    replayed = client.get(callback)
    assert "_auth_user_id" not in client.session
    assert "Die Anmeldung über den Identitätsanbieter ist fehlgeschlagen" in (
        replayed.content.decode()
    )


def test_an_answer_for_another_browser_is_refused(client, school_login, oidc_provider):
    """The state ties the answer to the session that started the login (no login CSRF)."""
    oidc_provider.set_account("ida", email="ida@schule.example")
    response = client.post(LOGIN, {"process": "login"})
    back = urllib.parse.urlsplit(oidc_provider.log_in(response["Location"], "ida"))
    client.cookies.clear()
    client.get(f"{back.path}?{back.query}")
    assert "_auth_user_id" not in client.session

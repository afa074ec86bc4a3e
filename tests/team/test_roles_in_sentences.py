"""A role inside a sentence reads as the language writes it (issue 25): lowercase, with
French's elision ("en tant qu'agent") and Italian's "come agente", not a capitalised label."""

from __future__ import annotations

import pytest

from portal.labels import AS_A_ROLE, ROLES_IN_A_SENTENCE
from portal.models import Role
from tests.conftest import csrf_token_from
from tests.team.conftest import body_of, link_in
from tests.team.test_team import _invite

SENTENCES = {
    "it": {
        "invited": "bruno@alpha.example.com invitato come agente.",
        "now": "Aldo ora è amministratore di fatturazione.",
        "mail": "Olga ti invita nel portale di fatturazione di Alpha S.r.l. come agente.",
        "page": "Sei invitato come agente.",
        "signed_in": "Accesso effettuato come Olga (titolare)",
    },
    "fr": {
        "invited": "bruno@alpha.example.com invité en tant qu'agent.",
        "now": "Aldo est maintenant administrateur de facturation.",
        "mail": "Olga vous invite dans le portail de facturation de Alpha S.r.l. en tant qu'agent.",
        "page": "Vous êtes invité en tant qu'agent.",
        "signed_in": "Connecté en tant que Olga (propriétaire)",
    },
}
CAPITALISED = ("Agente", "Agent.", "Amministratore di", "Administrateur de", "(Titolare)")


def test_every_role_has_its_sentence_forms():
    assert set(ROLES_IN_A_SENTENCE) == set(Role) == set(AS_A_ROLE)


@pytest.mark.parametrize("language", ["it", "fr"])
def test_roles_read_right_in_sentences(client, auth, alpha, smtp_server, language):
    said = SENTENCES[language]
    headers = {"Accept-Language": language}
    auth.login("owner@alpha.example.com", **headers)
    assert _invite(client, "bruno@alpha.example.com", role="member", headers=headers)
    token = csrf_token_from(client.get("/team/", headers=headers).text)
    client.post(
        f"/team/{alpha['agent']}/billing-admin",
        data={"csrf_token": token, "grant": "1"},
        headers=headers,
    )
    activity = client.get("/billing/activity", headers=headers).text.replace("&#39;", "'")
    assert said["invited"] in activity
    assert said["now"] in activity
    assert said["signed_in"] in activity
    [mail] = [sent for sent in smtp_server.received if sent.rcpt_tos == ["bruno@alpha.example.com"]]
    assert said["mail"] in body_of(mail.message)
    auth.logout()
    invitation = client.get(link_in(mail.message), headers=headers).text.replace("&#39;", "'")
    assert said["page"] in invitation
    for text in (activity, body_of(mail.message), invitation):
        assert not any(capitalised in text for capitalised in CAPITALISED)

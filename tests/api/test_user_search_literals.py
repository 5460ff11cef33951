"""User search with what people type: quotes, LIKE wildcards, backslashes."""

from __future__ import annotations

from tests.helpers import Api


def test_user_search_takes_quotes_wildcards_and_backslashes_literally(api: Api):
    """PostgreSQL gets the patterns written into the statement (db/search.py): whatever is
    typed stays text, never SQL or a wildcard."""
    org = api.org()["id"]
    api.user_in(org, "obrien@example.com", invite=False, user_profile={"family_name": "O'Brien_100%"})
    api.user_in(org, "other@example.com", invite=False, user_profile={"family_name": "OxBrien1000"})

    def found(query: str) -> list[str]:
        response = api.get("/api/v1/users:search", params={"query": query})
        assert response.status_code == 200, response.text
        return [u["email"] for u in response.json()["users"]]

    assert found("o'brien") == ["obrien@example.com"]
    assert found("n_100%") == ["obrien@example.com"]  # _ and % are characters here
    assert found("'; drop table users; --") == []
    assert found("\\'brien") == []


def test_a_nul_character_in_a_search_is_refused_as_bad_input(api: Api):
    """No stored text holds a NUL (every input refuses it); SQLite's search index and
    PostgreSQL both choke on one, so the search refuses it as the rest of the API does."""
    org = api.org()["id"]
    for path in ("/api/v1/users:search", f"/api/v1/organizations/{org}/users:search", "/api/v1/organizations:search"):
        response = api.get(path, params={"query": "\u00ca\x00\u00cd"})
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "invalid_argument", response.text

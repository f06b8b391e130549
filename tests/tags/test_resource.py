"""The location's tags as a resource: create, read, rename and delete reach every contact
carrying the tag, and search follows."""

from __future__ import annotations

from tests.factories import Api


async def names(api: Api) -> list[str]:
    return [t["name"] for t in (await api.get("/v1/tags/")).json()["tags"]]


async def test_create_answers_the_existing_tag_for_a_known_name(api: Api) -> None:
    created = await api.post("/v1/tags/", json={"name": "  First Tag "})
    assert created.status_code == 200
    tag = created.json()
    assert tag == {"id": tag["id"], "name": "first tag"}
    again = (await api.post("/v1/tags", json={"name": "FIRST TAG"})).json()
    assert again == tag
    assert "first tag" in await names(api), "listed though no contact carries it"
    assert (await api.get(f"/v1/tags/{tag['id']}/")).json() == tag
    missing = await api.post("/v1/tags/", json={})
    assert missing.status_code == 422
    assert missing.json() == {
        "name": {"message": "The name field is mandatory.", "rule": "required"}
    }


async def test_a_rename_reaches_every_contact_and_search(api: Api) -> None:
    carriers = [await api.make_contact(tags=["lead", "hot"]) for _ in range(3)]
    other = await api.make_contact(tags=["cold"])
    hot = next(t for t in (await api.get("/v1/tags/")).json()["tags"] if t["name"] == "hot")
    renamed = await api.put(f"/v1/tags/{hot['id']}", json={"name": "Warm"})
    assert renamed.status_code == 200 and renamed.json() == {"id": hot["id"], "name": "warm"}
    for contact in carriers:
        tags = (await api.get(f"/v1/contacts/{contact['id']}")).json()["contact"]["tags"]
        assert tags == ["lead", "warm"]
    assert (await api.get(f"/v1/contacts/{other['id']}")).json()["contact"]["tags"] == ["cold"]
    found = (await api.get("/v1/contacts/", params={"query": "warm"})).json()["meta"]["total"]
    assert found == 3
    assert (await api.get("/v1/contacts/", params={"query": "hot"})).json()["meta"]["total"] == 0
    assert "hot" not in await names(api) and "warm" in await names(api)
    clash = await api.put(f"/v1/tags/{hot['id']}", json={"name": "cold"})
    assert clash.status_code == 422 and clash.json()["name"]["rule"] == "duplicate"
    # The old name is free again: used anew, it is a tag of its own.
    await api.make_contact(tags=["hot"])
    assert {"hot", "warm"} <= set(await names(api))


async def test_a_delete_removes_the_tag_from_every_contact(api: Api) -> None:
    carriers = [await api.make_contact(tags=["spam", "keep"]) for _ in range(2)]
    spam = next(t for t in (await api.get("/v1/tags/")).json()["tags"] if t["name"] == "spam")
    deleted = await api.delete(f"/v1/tags/{spam['id']}")
    assert deleted.status_code == 200 and deleted.content == b""
    for contact in carriers:
        tags = (await api.get(f"/v1/contacts/{contact['id']}")).json()["contact"]["tags"]
        assert tags == ["keep"]
    assert "spam" not in await names(api)
    gone = await api.get(f"/v1/tags/{spam['id']}")
    assert gone.status_code == 422 and gone.json()["tagId"]["rule"] == "invalid"
    assert (await api.get("/v1/contacts/", params={"query": "spam"})).json()["meta"]["total"] == 0
    # Carried again, the tag is back, with its id.
    await api.make_contact(tags=["spam"])
    back = next(t for t in (await api.get("/v1/tags/")).json()["tags"] if t["name"] == "spam")
    assert back["id"] == spam["id"]

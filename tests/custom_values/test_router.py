"""Custom values through HTTP: v1's shapes, its 422s, unique fieldKeys, both slash forms."""

from __future__ import annotations

from tests.factories import Api


async def test_create_read_update_list_delete(api: Api) -> None:
    created = await api.post("/v1/custom-values/", json={"name": "Office Phone", "value": "+1 888"})
    assert created.status_code == 200
    value = created.json()
    assert value == {"id": value["id"], "name": "Office Phone",
                     "fieldKey": "{{ custom_value.office_phone }}", "value": "+1 888"}  # fmt: skip
    assert (await api.get(f"/v1/custom-values/{value['id']}")).json() == value
    assert (await api.get(f"/v1/custom-values/{value['id']}/")).json() == value
    updated = await api.put(f"/v1/custom-values/{value['id']}",
                            json={"name": "Front Desk", "value": "+1 999"})  # fmt: skip
    assert updated.json()["fieldKey"] == "{{ custom_value.front_desk }}"
    listed = (await api.get("/v1/custom-values")).json()
    assert listed["customFields"] == listed["customValues"] == [updated.json()]
    deleted = await api.delete(f"/v1/custom-values/{value['id']}/")
    assert deleted.status_code == 200 and deleted.content == b""
    gone = await api.get(f"/v1/custom-values/{value['id']}")
    assert gone.status_code == 422 and gone.json()["customValueId"]["rule"] == "invalid"


async def test_name_and_value_are_mandatory_together(api: Api) -> None:
    response = await api.post("/v1/custom-values/", json={})
    assert response.status_code == 422
    assert response.json() == {
        "name": {"message": "The name field is mandatory.", "rule": "required"},
        "value": {"message": "The value field is mandatory.", "rule": "required"},
    }


async def test_a_field_key_is_unique_in_the_location(api: Api) -> None:
    first = (await api.post("/v1/custom-values/", json={"name": "Agent", "value": "a"})).json()
    clash = await api.post("/v1/custom-values/", json={"name": "agent", "value": "b"})
    assert clash.status_code == 422 and clash.json()["name"]["rule"] == "duplicate"
    other = (await api.post("/v1/custom-values/", json={"name": "Broker", "value": "c"})).json()
    onto = await api.put(f"/v1/custom-values/{other['id']}", json={"name": "AGENT", "value": "d"})
    assert onto.status_code == 422 and onto.json()["name"]["rule"] == "duplicate"
    # Renaming a value onto its own key is no clash.
    same = await api.put(f"/v1/custom-values/{first['id']}", json={"name": "Agent", "value": "e"})
    assert same.status_code == 200 and same.json()["value"] == "e"

"""``tenantry users import`` / ``export`` against a live server: idempotent by external_id
then e-mail, one transaction per row, per-row refusals, round trips."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tenantry import Client
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET

COLUMNS = ["email", "external_id", "given_name", "metadata", "custom_attributes.department", "custom_attributes.level"]


@pytest.fixture
def sdk(site):
    with Client(site, BOOTSTRAP_ID, BOOTSTRAP_SECRET) as client:
        client.attributes.create("department", "Department", "enum", options=["sales", "engineering"])
        client.attributes.create("level", "Level", "integer", minimum=1, maximum=5)
        yield client


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def summary(output: str) -> dict[str, int]:
    """The counts of the summary table: created, updated, unchanged, refused."""
    numbers = [line for line in output.splitlines() if line.strip(" │|").replace("│", " ").split() and
               all(part.isdigit() for part in line.replace("│", " ").split())]  # fmt: skip
    values = [int(part) for part in numbers[-1].replace("│", " ").split()]
    return dict(zip(["created", "updated", "unchanged", "refused"], values, strict=True))


def people(count: int) -> list[dict[str, str]]:
    return [
        {
            "email": f"user{i}@example.com",
            "external_id": f"ext-{i}",
            "given_name": f"User {i}",
            "metadata": json.dumps({"n": i}),
            "custom_attributes.department": "sales" if i % 2 else "engineering",
            "custom_attributes.level": str(1 + i % 5),
        }
        for i in range(count)
    ]


def test_a_file_imports_once_and_bad_rows_are_refused_alone(cli, sdk, tmp_path):
    org = sdk.organizations.create("Acme")
    rows = people(300)
    rows[10]["email"] = "not an address"  # line 12 of the file (after the header)
    rows[20]["custom_attributes.level"] = "9"
    rows[30]["metadata"] = "{not json"
    rows[40]["email"] = rows[41]["email"]  # the same person twice: the later row is refused
    rows[50]["custom_attributes.department"] = "marketing"
    path = write_csv(tmp_path / "users.csv", rows)

    output = cli("users", "import", str(path), "--organization", org.id, code=1)
    assert summary(output) == {"created": 295, "updated": 0, "unchanged": 0, "refused": 5}
    assert "row 12: email: " in output
    assert "row 22: user_profile.custom_attributes.level: " in output
    assert "row 32: metadata: invalid_json" in output
    assert "row 43: email: duplicate_row" in output
    assert "row 52: user_profile.custom_attributes.department: not_in_options" in output

    stored = {user.email: user for user in sdk.users.list_in_organization(org.id)}
    assert len(stored) == 295 and "user20@example.com" not in stored and "user30@example.com" not in stored
    ada = stored["user7@example.com"]
    assert ada.external_id == "ext-7" and ada.metadata == {"n": 7} and ada.user_profile.given_name == "User 7"
    assert ada.user_profile.custom_attributes == {"department": "sales", "level": 3}
    assert ada.membership(org.id).membership_status == "ACTIVE"
    assert [r.name for r in ada.membership(org.id).roles] == ["member"]

    again = cli("users", "import", str(path), "--organization", org.id, code=1)
    assert summary(again) == {"created": 0, "updated": 0, "unchanged": 295, "refused": 5}


def test_existing_users_are_matched_by_external_id_then_email_and_updated(cli, sdk, tmp_path):
    org = sdk.organizations.create("Acme")
    other = sdk.organizations.create("Other")
    by_external = sdk.users.create_in_organization(
        org.id, "a@example.com", external_id="a", send_invitation_email=False
    )
    by_email = sdk.users.create_in_organization(org.id, "b@example.com", send_invitation_email=False)
    sdk.users.create_in_organization(org.id, "c@example.com", external_id="c", send_invitation_email=False)
    path = write_csv(
        tmp_path / "users.csv",
        [
            {"email": "a@example.com", "external_id": "a", "given_name": "Ann"},
            {"email": "B@example.com", "external_id": "b", "custom_attributes.level": "2"},
            {"email": "new@example.com", "given_name": "New"},
            {"email": "x@example.com", "external_id": "c"},  # c's external_id with another address
        ],
    )
    output = cli("users", "import", str(path), "--organization", other.id, "--role", "admin", code=1)
    assert summary(output) == {"created": 1, "updated": 2, "unchanged": 0, "refused": 1}
    assert "row 5: email: email_mismatch" in output

    ann = sdk.users.get(by_external.id)
    assert ann.user_profile.given_name == "Ann" and ann.membership(other.id) is not None
    assert [r.name for r in ann.membership(other.id).roles] == ["admin"]
    bea = sdk.users.get(by_email.id)
    assert bea.external_id == "b" and bea.user_profile.custom_attributes == {"level": 2}
    assert {u.email for u in sdk.users.list_in_organization(other.id)} == {
        "a@example.com",
        "b@example.com",
        "new@example.com",
    }


def test_a_row_refused_by_the_seat_limit_writes_nothing(cli, sdk, tmp_path):
    home = sdk.organizations.create("Home")
    full = sdk.organizations.create("Full")
    sdk.organizations.set_max_allowed_users(full.id, 1)
    sdk.users.create_in_organization(full.id, "first@example.com", send_invitation_email=False)
    old = sdk.users.create_in_organization(home.id, "old@example.com", external_id="old", send_invitation_email=False)
    path = write_csv(
        tmp_path / "users.csv",
        [
            {"email": "old@example.com", "external_id": "old", "metadata": '{"moved": true}', "given_name": "Changed"},
            {"email": "brand-new@example.com"},
        ],
    )
    output = cli("users", "import", str(path), "--organization", full.id, code=1)
    assert summary(output) == {"created": 0, "updated": 0, "unchanged": 0, "refused": 2}
    assert output.count("organization_user_limit_reached") == 2
    after = sdk.users.get(old.id)
    assert after.metadata == {} and after.user_profile.given_name is None and after.membership(full.id) is None
    assert [u.email for u in sdk.users.list()] == ["first@example.com", "old@example.com"]


def test_new_users_need_an_organization_and_a_dry_run_writes_nothing(cli, sdk, tmp_path):
    org = sdk.organizations.create("Acme")
    path = write_csv(tmp_path / "users.csv", people(3))
    output = cli("users", "import", str(path), code=1)
    assert summary(output)["refused"] == 3 and "organization_id: required" in output
    dry = cli("users", "import", str(path), "--organization", org.id, "--dry-run")
    assert summary(dry) == {"created": 3, "updated": 0, "unchanged": 0, "refused": 0}
    assert list(sdk.users.list()) == []
    bad = write_csv(tmp_path / "bad.csv", [{"email": "a@example.com", "shoe_size": "9"}], ["email", "shoe_size"])
    assert "unknown columns: shoe_size" in cli("users", "import", str(bad), code=2)


@pytest.mark.parametrize("file_format", ["csv", "jsonl"])
def test_an_export_imports_back_unchanged_and_into_a_fresh_organization(cli, sdk, tmp_path, file_format):
    org = sdk.organizations.create("Acme")
    cli("users", "import", str(write_csv(tmp_path / "seed.csv", people(25))), "--organization", org.id)
    sdk.users.update(sdk.users.get_by_external_id("ext-3").id, user_profile={"phone_number": "+14155552671"})
    exported = tmp_path / f"users.{file_format}"
    cli("users", "export", "--format", file_format, "--organization", org.id, "--output", str(exported))
    again = cli("users", "import", str(exported))
    assert summary(again) == {"created": 0, "updated": 0, "unchanged": 25, "refused": 0}

    newcomer = sdk.organizations.create("Newcomer")
    text = exported.read_text().replace(org.id, newcomer.id)
    moved = tmp_path / f"moved.{file_format}"
    moved.write_text(text)
    assert summary(cli("users", "import", str(moved)))["updated"] == 25
    assert len(list(sdk.users.list_in_organization(newcomer.id))) == 25

    for user in list(sdk.users.list()):
        sdk.users.delete(user.id)
    restored = cli("users", "import", str(exported))
    assert summary(restored) == {"created": 25, "updated": 0, "unchanged": 0, "refused": 0}
    three = sdk.users.get_by_external_id("ext-3")
    assert three.user_profile.phone_number == "+14155552671" and three.metadata == {"n": 3}
    assert three.user_profile.custom_attributes == {"department": "sales", "level": 4}


def test_export_to_standard_output(cli, sdk):
    org = sdk.organizations.create("Acme")
    sdk.users.create_in_organization(org.id, "ada@example.com", external_id="ada", send_invitation_email=False)
    lines = cli("users", "export", "--format", "jsonl", stdout=True).splitlines()
    assert [json.loads(line)["external_id"] for line in lines] == ["ada"]
    rows = list(csv.DictReader(cli("users", "export", stdout=True).splitlines()))
    assert rows[0]["email"] == "ada@example.com" and "custom_attributes.level" in rows[0]

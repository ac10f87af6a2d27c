import io

from PIL import Image

from xiaodian.accounts import licences


def test_register_then_use_the_token(api_for):
    anonymous = api_for()
    r = anonymous.post(
        "/auth/register", {"username": "alice", "password": "s3cret-pass", "display_name": "爱丽丝"}
    )
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"id", "token"}
    client = api_for()
    client.headers["Authorization"] = f"Bearer {body['token']}"
    assert client.get("/me").json()["display_name"] == "爱丽丝"


def test_token_endpoint_checks_the_password(api_for, merchant):
    anonymous = api_for()
    r = anonymous.post("/auth/token", {"username": "merchant", "password": "wrong-password"})
    assert (r.status_code, r.json()["code"]) == (401, "invalid_credentials")
    r = anonymous.post("/auth/token", {"username": "merchant", "password": "test-pass-123", "name": "laptop"})
    assert r.status_code == 200 and r.json()["token"].startswith("xd_")


def test_tokens_are_listed_and_revocable(api_for, merchant):
    client = api_for(merchant)
    listed = client.get("/auth/tokens").json()
    assert listed["count"] == 1
    assert "token" not in listed["items"][0] and "key_hash" not in listed["items"][0]
    token_id = listed["items"][0]["id"]
    assert client.post(f"/auth/tokens/{token_id}/revoke").json()["revoked_at"]
    r = client.get("/me")
    assert (r.status_code, r.json()["code"]) == (401, "unauthorized")


def test_sign_up_errors_are_codes(api_for, merchant):
    anonymous = api_for()
    r = anonymous.post("/auth/register", {"username": "Merchant", "password": "s3cret-pass"})
    assert (r.status_code, r.json()["code"]) == (409, "username_taken")
    r = anonymous.post("/auth/register", {"username": "x" * 41, "password": "s3cret-pass"})
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")
    assert r.json()["field"] == "username"


def test_avatar_upload(api, merchant):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG")
    buffer.name = "me.png"
    buffer.seek(0)
    r = api.client.post("/api/v1/me/avatar", {"avatar": buffer}, headers=api.headers)
    assert r.status_code == 200 and r.json()["avatar_url"].startswith("/media/avatars/")
    bad = io.BytesIO(b"GIF89a-not-really")
    bad.name = "x.gif"
    r = api.client.post("/api/v1/me/avatar", {"avatar": bad}, headers=api.headers)
    assert (r.status_code, r.json()["code"]) == (422, "image_invalid")


def test_subject_endpoints(api, api_for, make_user):
    body = {"kind": "enterprise", "name": "甲公司", "licence_number": licences.make_uscc(77)}
    r = api.post("/subjects", body)
    assert r.status_code == 201 and r.json()["verification"] == "pending"
    subject_id = r.json()["id"]
    assert api.get(f"/subjects/{subject_id}").json()["licence_number"] == body["licence_number"]
    assert api.get("/subjects").json()["count"] == 1
    r = api_for(make_user()).post("/subjects", body)
    assert (r.status_code, r.json()["code"]) == (409, "licence_taken")
    r = api.post("/subjects", {**body, "licence_number": "91350100M000100Y44"})
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (422, "licence_invalid", "licence_number")
    r = api.post("/subjects", {**body, "kind": "martian"})
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")


def test_operators_verify_subjects_over_the_api(api, api_for, operator):
    subject_id = api.post(
        "/subjects", {"kind": "individual", "name": "张三", "licence_number": licences.make_resident_id(5)}
    ).json()["id"]
    r = api.post(f"/subjects/{subject_id}/verification", {"verification": "verified"})
    assert (r.status_code, r.json()["code"]) == (403, "permission_denied")
    r = api_for(operator).post(f"/subjects/{subject_id}/verification", {"verification": "verified"})
    assert r.json()["verification"] == "verified"

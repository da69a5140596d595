def test_health(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_get_shop_with_session_token(client, shop, auth_headers):
    resp = client.get("/api/shop", headers=auth_headers())
    assert resp.status_code == 200, resp.json
    assert resp.json["shop"] == "test-shop.myshopify.com"

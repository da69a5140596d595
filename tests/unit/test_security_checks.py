"""Each security check, with good and bad inputs. No I/O."""
import base64
import time

import jwt
import pytest

from shopify_app.shopify.hmac_checks import (
    query_hmac,
    verify_query_hmac,
    verify_query_timestamp,
    verify_webhook_hmac,
)
from shopify_app.shopify.session_token import InvalidSessionToken, bearer_token, decode_session_token
from shopify_app.shopify.shop_domain import InvalidShopDomain, decode_host, shop_origin, validate_shop_domain

from tests.conftest import (
    API_KEY,
    API_SECRET,
    SHOP,
    independent_query_hmac,
    make_session_token,
    signed,
    webhook_hmac,
)


class TestQueryHmac:
    params = {"shop": SHOP, "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvdGVzdA", "timestamp": "1700000000", "embedded": "1"}

    def test_matches_an_independent_computation(self):
        assert query_hmac(self.params, API_SECRET) == independent_query_hmac(self.params, API_SECRET)

    def test_accepts_shopifys_signature(self):
        assert verify_query_hmac(signed(self.params), API_SECRET)

    def test_rejects_a_wrong_signature(self):
        assert not verify_query_hmac({**self.params, "hmac": "0" * 64}, API_SECRET)

    def test_rejects_a_signature_made_with_another_secret(self):
        assert not verify_query_hmac(signed(self.params, "other-secret"), API_SECRET)

    def test_rejects_a_tampered_parameter(self):
        tampered = {**signed(self.params), "shop": "evil.myshopify.com"}
        assert not verify_query_hmac(tampered, API_SECRET)

    def test_rejects_a_missing_signature(self):
        assert not verify_query_hmac(self.params, API_SECRET)


class TestQueryTimestamp:
    def test_accepts_now(self):
        assert verify_query_timestamp({"timestamp": str(int(time.time()))})

    @pytest.mark.parametrize("age", [3600, 86400 * 2, 120])
    def test_rejects_old_timestamps(self, age):
        assert not verify_query_timestamp({"timestamp": str(int(time.time()) - age)})

    def test_rejects_future_timestamps(self):
        assert not verify_query_timestamp({"timestamp": str(int(time.time()) + 3600)})

    @pytest.mark.parametrize("value", [None, "", "abc", "1.5e9"])
    def test_rejects_malformed_timestamps(self, value):
        assert not verify_query_timestamp({} if value is None else {"timestamp": value})


class TestShopDomain:
    @pytest.mark.parametrize("domain", ["shop.myshopify.com", "my-shop-2.myshopify.com", "SHOP.myshopify.com"])
    def test_accepts_myshopify_domains(self, domain):
        assert validate_shop_domain(domain) == domain.lower()

    @pytest.mark.parametrize(
        "domain",
        [None, "", "shop.example.com", "-shop.myshopify.com", "shop.myshopify.com.evil.com",
         "https://shop.myshopify.com", "shop.myshopify.com/admin", "sh op.myshopify.com", "a_b.myshopify.com",
         "shop.myshopify.com\n"],
    )
    def test_rejects_anything_else(self, domain):
        with pytest.raises(InvalidShopDomain):
            validate_shop_domain(domain)

    def test_shop_origin_template(self):
        assert shop_origin("https://{shop}", "a.myshopify.com") == "https://a.myshopify.com"
        assert shop_origin("http://127.0.0.1:9/{shop}", "a.myshopify.com") == "http://127.0.0.1:9/a.myshopify.com"

    def test_decode_host(self):
        host = base64.b64encode(b"admin.shopify.com/store/test").decode().rstrip("=")
        assert decode_host(host) == "admin.shopify.com/store/test"
        assert decode_host("%%%") is None


class TestSessionToken:
    def decode(self, token):
        return decode_session_token(token, API_KEY, API_SECRET)

    def test_accepts_a_valid_token(self):
        decoded = self.decode(make_session_token(SHOP))
        assert decoded.shop == SHOP and decoded.user_id == "42"

    def test_rejects_an_expired_token(self):
        now = int(time.time())
        with pytest.raises(InvalidSessionToken):
            self.decode(make_session_token(SHOP, exp=now - 30, nbf=now - 90, iat=now - 90))

    def test_accepts_exp_within_the_leeway(self):
        now = int(time.time())
        self.decode(make_session_token(SHOP, exp=now - 5, nbf=now - 65, iat=now - 65))

    def test_rejects_a_not_yet_valid_token(self):
        now = int(time.time())
        with pytest.raises(InvalidSessionToken):
            self.decode(make_session_token(SHOP, nbf=now + 60, iat=now + 60, exp=now + 120))

    def test_accepts_nbf_slightly_in_the_future(self):
        now = int(time.time())
        self.decode(make_session_token(SHOP, nbf=now + 5))

    def test_rejects_the_wrong_audience(self):
        with pytest.raises(InvalidSessionToken):
            self.decode(make_session_token(SHOP, aud="another-app"))

    def test_rejects_iss_and_dest_of_different_shops(self):
        with pytest.raises(InvalidSessionToken):
            self.decode(make_session_token(SHOP, dest="https://other.myshopify.com"))

    def test_rejects_a_dest_that_is_not_a_shop(self):
        with pytest.raises(InvalidSessionToken):
            self.decode(make_session_token("evil.example.com"))

    def test_rejects_a_token_signed_with_another_secret(self):
        with pytest.raises(InvalidSessionToken):
            self.decode(make_session_token(SHOP, secret="not-the-app-secret-0123456789abcdef"))

    @pytest.mark.parametrize("claim", ["exp", "nbf", "iss", "dest", "aud"])
    def test_rejects_a_token_missing_a_claim(self, claim):
        with pytest.raises(InvalidSessionToken):
            self.decode(make_session_token(SHOP, **{claim: None}))

    def test_rejects_unsigned_tokens(self):
        now = int(time.time())
        token = jwt.encode(
            {"iss": f"https://{SHOP}/admin", "dest": f"https://{SHOP}", "aud": API_KEY, "exp": now + 60,
             "nbf": now, "iat": now, "sub": "1", "jti": "x", "sid": "y"},
            None, algorithm="none",
        )
        with pytest.raises(InvalidSessionToken):
            self.decode(token)

    @pytest.mark.parametrize("token", ["", "garbage", "a.b.c"])
    def test_rejects_garbage(self, token):
        with pytest.raises(InvalidSessionToken):
            self.decode(token)

    def test_bearer_header_parsing(self):
        assert bearer_token("Bearer abc") == "abc"
        assert bearer_token("bearer abc") == "abc"
        assert bearer_token("Basic abc") is None
        assert bearer_token(None) is None
        assert bearer_token("Bearer ") is None


class TestWebhookHmac:
    body = b'{"id": 1, "name": "caf\xc3\xa9"}'

    def test_accepts_the_signature_of_the_raw_body(self):
        assert verify_webhook_hmac(self.body, webhook_hmac(self.body), API_SECRET)

    def test_rejects_a_signature_of_a_reformatted_body(self):
        assert not verify_webhook_hmac(self.body, webhook_hmac(b'{"id":1,"name":"caf\xc3\xa9"}'), API_SECRET)

    def test_rejects_another_secret(self):
        assert not verify_webhook_hmac(self.body, webhook_hmac(self.body, "nope"), API_SECRET)

    @pytest.mark.parametrize("header", [None, "", "not-base64"])
    def test_rejects_missing_or_garbage(self, header):
        assert not verify_webhook_hmac(self.body, header, API_SECRET)

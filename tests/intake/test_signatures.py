"""The worked signature examples of tests/fixtures/erp/README.md, and the verifiers."""

import base64
import hashlib
import hmac

import pytest

from greetings.intake.signatures import (
    SignatureInvalid,
    sign_hmac_body,
    sign_standard,
    verify_hmac_body,
    verify_standard,
)
from tests.support.webhooks import STANDARD_SECRET, fixture_bytes

MSG_ID = "msg_2ErpFixtureGenericOrder0001"
TIMESTAMP = 1773479703
SIG_A = "v1,MG8P4qOyWHTCg6OsLVPU4GH5V1bPIJ776UF52tfcCDU="


def fixture_headers():
    return {"webhook-id": MSG_ID, "webhook-timestamp": str(TIMESTAMP), "webhook-signature": SIG_A}


def test_fixture_bytes_are_the_documented_ones():
    body = fixture_bytes("generic_order.json")
    assert len(body) == 534
    assert hashlib.sha256(body).hexdigest() == (
        "3dee9dcc65019ebf657a3a8b330bf33b3ff098125516cdf59ef7746b22c1ed31")


def test_example_a_standard_webhooks():
    body = fixture_bytes("generic_order.json")
    assert sign_standard(STANDARD_SECRET, MSG_ID, TIMESTAMP, body) == SIG_A


def test_example_a_prime_upstream_vector():
    body = b'{"test": 2432232314}'
    assert sign_standard(STANDARD_SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")


def test_example_b_shopify_style():
    body = fixture_bytes("generic_order.json")
    assert sign_hmac_body("hush", body) == "ikA/Hy1QXYVSrTC5j8D2/bP654ZoDDIpQhb66C0Fxb0="
    assert sign_hmac_body("hush", body.rstrip(b"\n")) == (
        "SllvTh+6W0B6l5B4VhXm03QUR1THIMfIQ0SUPvzhAQ8=")


def test_example_c_woocommerce():
    body = fixture_bytes("woocommerce_order_created.json")
    assert sign_hmac_body("wc-fixture-secret", body) == (
        "bbKSMKT1egVO5yNFnjRFQC83cVLHwRIKJegCwOPXtLA=")


def test_standard_verifies_at_its_own_time_and_is_too_old_now():
    body = fixture_bytes("generic_order.json")
    assert verify_standard([STANDARD_SECRET], fixture_headers(), body, 300, now=TIMESTAMP) == (
        MSG_ID, TIMESTAMP)
    assert verify_standard([STANDARD_SECRET], fixture_headers(), body, 300,
                           now=TIMESTAMP + 300)
    with pytest.raises(SignatureInvalid, match="tolerance"):
        verify_standard([STANDARD_SECRET], fixture_headers(), body, 300, now=TIMESTAMP + 301)
    with pytest.raises(SignatureInvalid, match="tolerance"):
        verify_standard([STANDARD_SECRET], fixture_headers(), body, 300, now=TIMESTAMP - 301)


def test_standard_accepts_any_listed_signature_and_any_current_secret():
    body = fixture_bytes("generic_order.json")
    headers = fixture_headers()
    headers["webhook-signature"] = "v1,bm90IGl0 v2,whatever " + SIG_A
    other = "whsec_" + base64.b64encode(b"another secret of 24 b!!").decode()
    assert verify_standard([other, STANDARD_SECRET], headers, body, 300, now=TIMESTAMP)


@pytest.mark.parametrize("change", [
    {"webhook-signature": "v1,MG8P4qOyWHTCg6OsLVPU4GH5V1bPIJ776UF52tfcCDA="},
    {"webhook-signature": "v1,not base64!"},
    {"webhook-signature": SIG_A.replace("v1,", "v2,")},
    {"webhook-id": "msg_other"},
    {"webhook-timestamp": "1773479704"},
    {"webhook-timestamp": "17734797O3"},
    {"webhook-timestamp": "-1773479703"},
    {"webhook-timestamp": "9" * 40},
    {"webhook-signature": ""},
])
def test_standard_refuses_tampering(change):
    body = fixture_bytes("generic_order.json")
    headers = {**fixture_headers(), **change}
    with pytest.raises(SignatureInvalid):
        verify_standard([STANDARD_SECRET], headers, body, 300, now=TIMESTAMP)


def test_standard_refuses_a_changed_body():
    body = fixture_bytes("generic_order.json").replace(b"2", b"3", 1)
    with pytest.raises(SignatureInvalid):
        verify_standard([STANDARD_SECRET], fixture_headers(), body, 300, now=TIMESTAMP)


def test_hmac_body_rotation_and_refusal():
    body = b'{"id": 1}'
    good = base64.b64encode(hmac.new(b"new", body, hashlib.sha256).digest()).decode()
    verify_hmac_body(["old", "new"], good, body, "X-Shopify-Hmac-Sha256")
    for bad in (None, "", "garbage", sign_hmac_body("old", body + b" ")):
        with pytest.raises(SignatureInvalid):
            verify_hmac_body(["old", "new"], bad, body, "X-Shopify-Hmac-Sha256")

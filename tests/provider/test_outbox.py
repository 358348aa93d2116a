"""The outbox reads the spec's webhooks; the signature is the one the spec documents."""

from __future__ import annotations

import copy
import hmac
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provider.delivery import sign
from provider.errors import SpecError
from provider.outbox import EVENT_TYPES, catalog
from tests.conftest import SPEC
from tests.documents import load_yaml

DOCUMENT: dict[str, Any] = load_yaml(SPEC.read_text(encoding="utf-8"))


def test_each_emitted_event_type_has_the_spec_webhook_whose_example_sends_it() -> None:
    specs = catalog(DOCUMENT)
    assert {t: specs[t].operation_id for t in EVENT_TYPES} == {
        "payment.succeeded": "paymentSucceededWebhook",
        "payment.failed": "paymentFailedWebhook",
        "payment.refunded": "paymentRefundedWebhook",
    }
    assert {specs[t].signature_header for t in EVENT_TYPES} == {"Webhook-Signature"}


def test_a_spec_without_a_webhook_the_provider_emits_is_refused_naming_it() -> None:
    document = copy.deepcopy(DOCUMENT)
    del document["webhooks"]["paymentRefunded"]
    with pytest.raises(SpecError, match=r"type payment\.refunded; add it"):
        catalog(document)


@given(secret=st.text(min_size=1, max_size=40), timestamp=st.integers(0, 2**40), body=st.binary())
def test_the_signature_matches_the_spec_pattern_and_an_independent_hmac(
    secret: str, timestamp: int, body: bytes
) -> None:
    header = sign(secret, timestamp, body)
    pattern = DOCUMENT["components"]["parameters"]["WebhookSignature"]["schema"]["pattern"]
    assert re.fullmatch(pattern, header)
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, "sha256")
    assert header == f"t={timestamp},v1={expected.hexdigest()}"

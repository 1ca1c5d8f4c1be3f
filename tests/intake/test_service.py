"""The intake service without HTTP: plain values in, a Receipt (or a refusal) out."""

import fcntl
import os

import pytest
from sqlalchemy import select
from werkzeug.datastructures import Headers

from greetings.extensions import db
from greetings.intake import service
from greetings.intake.service import (
    BodyTooLarge,
    Receipt,
    TooManyRefusals,
    UnknownIntegration,
)
from greetings.intake.signatures import SignatureInvalid
from greetings.models import Delivery, DeliveryOutcome, RefusalTally
from tests.conftest import make_integrations
from tests.support.webhooks import generic_body, shopify_headers, standard_headers

LIMIT = 1024 * 1024


@pytest.fixture
def slugs(app):
    return make_integrations(app)


def receive(slug, headers, body, mimetype="application/json"):
    return service.receive(slug, Headers(headers), body, mimetype,
                           content_length=None if body is None else len(body),
                           max_bytes=LIMIT, tolerance=300)


def logged():
    return [(row.outcome, row.status_code) for row in db.session.execute(
        select(Delivery).order_by(Delivery.id)).scalars()]


def test_a_delivery_is_a_receipt_and_a_repeat_names_the_same_order(app, slugs):
    body = generic_body("S-1")
    headers = standard_headers(body)
    with app.app_context():
        assert receive("erp", headers, body) == Receipt(DeliveryOutcome.CREATED, "S-1")
        db.session.commit()
        assert receive("erp", headers, body) == Receipt(DeliveryOutcome.DUPLICATE, "S-1")
        db.session.commit()
        assert logged() == [(DeliveryOutcome.CREATED, 200), (DeliveryOutcome.DUPLICATE, 200)]


def test_a_shops_unreadable_payload_is_parked_with_its_errors(app, slugs):
    body = b'{"id": "not a number"}'
    with app.app_context():
        receipt = receive("shop", shopify_headers(body), body)
        db.session.commit()
        assert receipt.outcome == DeliveryOutcome.PARKED
        assert [error["field"] for error in receipt.errors] == ["id"]
        assert logged() == [(DeliveryOutcome.PARKED, 202)]


def test_refusals_raise_and_are_logged_for_the_caller_to_commit(app, slugs):
    body = generic_body("S-2")
    refusals = [
        (UnknownIntegration, "nobody", standard_headers(body), body),
        (SignatureInvalid, "erp", {**standard_headers(body), "webhook-signature": "v1,AAAA"},
         body),
        (BodyTooLarge, "erp", standard_headers(body), None),
        (BodyTooLarge, "erp", standard_headers(body), b" " * (LIMIT + 1)),
    ]
    with app.app_context():
        for refusal, slug, headers, sent in refusals:
            with pytest.raises(refusal):
                receive(slug, headers, sent)
            db.session.commit()
        assert logged() == [(DeliveryOutcome.TOO_LARGE, 413), (DeliveryOutcome.TOO_LARGE, 413)]
        # What anyone can send (unknown slug, bad signature) is counted, not logged a row each.
        assert [(t.slug, t.outcome, t.count) for t in tallied()] == [
            ("", DeliveryOutcome.UNKNOWN_INTEGRATION, 1), ("erp", DeliveryOutcome.BAD_SIGNATURE, 1)]


def test_refusals_past_the_senders_budget_become_429_and_are_not_logged(app, slugs):
    body = generic_body("S-5")
    bad = {**standard_headers(body), "webhook-signature": "v1,AAAA"}
    waits = iter([None, None, 30])
    with app.app_context():
        for _ in range(2):
            with pytest.raises(SignatureInvalid):
                service.receive("erp", Headers(bad), body, "application/json",
                                content_length=len(body), max_bytes=LIMIT, tolerance=300,
                                refusal_wait=lambda: next(waits))
            db.session.commit()
        with pytest.raises(TooManyRefusals) as refused:
            service.receive("erp", Headers(bad), body, "application/json",
                            content_length=len(body), max_bytes=LIMIT, tolerance=300,
                            refusal_wait=lambda: next(waits))
        db.session.commit()
        assert refused.value.headers == {"Retry-After": "30"}
        assert [t.count for t in tallied()] == [2]
        # A correctly signed delivery never asks for the budget.
        good = standard_headers(body)
        assert service.receive("erp", Headers(good), body, "application/json",
                               content_length=len(body), max_bytes=LIMIT, tolerance=300,
                               refusal_wait=lambda: 1 / 0).outcome == DeliveryOutcome.CREATED


def tallied():
    return list(db.session.execute(
        select(RefusalTally).order_by(RefusalTally.slug)).scalars())


def test_the_sqlite_writer_lock_is_held_until_the_caller_commits(app, slugs):
    body = generic_body("S-3")
    with app.app_context():
        lock_file = db.engine.url.database + ".write-lock"
        receive("erp", standard_headers(body), body)
        assert not _can_lock(lock_file)
        db.session.commit()
        assert _can_lock(lock_file)
        receive("erp", standard_headers(generic_body("S-4")), generic_body("S-4"))
        assert not _can_lock(lock_file)
        db.session.rollback()
        assert _can_lock(lock_file)


def _can_lock(path):
    descriptor = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)
    return True

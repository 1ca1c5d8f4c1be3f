"""What a parked body keeps: the order as sent, without contact details.

A correctly signed Shopify or WooCommerce payload that fails validation is kept for a
person to look at (PRODUCT.md). They need its shape and the fields that failed, not the
customer's e-mail, phone or street: the service stores only what a card needs (names,
locale, number, items), and a parked body must not keep more than an order does.
"""

import json
import re

REMOVED = "[removed]"
# Keys whose values are contact details, in Shopify's and WooCommerce's order formats
# (and our own); compared in lower case.
CONTACT_KEYS = frozenset({
    "email", "contact_email", "customer_email", "phone", "mobile", "fax",
    "address", "address1", "address2", "address_1", "address_2", "street", "house_number",
    "city", "zip", "postcode", "postal_code", "province", "province_code", "state",
    "company", "latitude", "longitude", "browser_ip", "customer_ip_address",
    "customer_user_agent", "client_details", "note", "customer_note", "note_attributes",
    "vat_number", "tax_number",
})
# Whatever is left that looks like an e-mail address (in a note, a name, an unknown key).
EMAIL = re.compile(r"[^\s\"'<>@,;:]{1,64}@[^\s\"'<>@,;:]{1,255}\.[^\s\"'<>@,;:]{1,63}")


def parked_text(body: bytes, data) -> str:
    """Return the text to keep of a parked body whose parsed JSON is `data`.

    Contact details are replaced by "[removed]" and e-mail addresses anywhere are cut;
    a body that held none is kept byte for byte, so what the shop sent stays readable.
    """
    cleaned, changed = _clean(data)
    if changed:
        # A lone surrogate (valid JSON, not valid UTF-8) must not reach the database.
        text = json.dumps(cleaned, ensure_ascii=False).encode("utf-8", "replace").decode()
    else:
        text = body.decode("utf-8", "replace")
    text = EMAIL.sub(REMOVED, text)
    # PostgreSQL text cannot hold NUL.
    return text.replace("\x00", "\ufffd")


def _clean(value, depth=0):
    """Return (value without contact details, whether anything was removed)."""
    if depth > 200:  # far deeper than any order; what is below is dropped, not walked
        return REMOVED, True
    if isinstance(value, dict):
        changed, cleaned = False, {}
        for key, item in value.items():
            if key.lower() in CONTACT_KEYS and item not in (None, "", [], {}):
                cleaned[key], changed = REMOVED, True
            else:
                cleaned[key], inner = _clean(item, depth + 1)
                changed = changed or inner
        return cleaned, changed
    if isinstance(value, list):
        results = [_clean(item, depth + 1) for item in value]
        return [item for item, _ in results], any(inner for _, inner in results)
    return value, False

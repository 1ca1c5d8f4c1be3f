"""Image uploads in the console: the renderer's refusals, said in the page's language.

The renderer's admission (greetings.cards.renderer.images) refuses an image with a reason
code and its values; the API sends its English text, a page translates it here by reason.
"""

from flask_babel import gettext as _

from ..cards.renderer import ImageRejected


def _what(what: str) -> str:
    return {"signature": _("signature"), "logo": _("logo")}.get(what, _("image"))


def rejection_message(rejection: ImageRejected) -> str:
    """Return why an image was refused, for a person, in the page's language."""
    values = dict(rejection.params)
    values["what"] = _what(str(values.get("what", "image")))
    reason = rejection.reason
    if reason == "empty":
        return _("The %(what)s file is empty.", **values)
    if reason == "too-large":
        return _("The %(what)s file is %(megabytes)s MB; the limit is %(limit_mb)s MB. "
                 "Please send a smaller one.", **values)
    if reason == "not-png-or-jpeg":
        return _("The %(what)s file is not a PNG or JPEG image (it looks like %(kind)s). "
                 "Please upload a PNG or JPEG.", **values)
    if reason == "too-many-pixels":
        return _("The %(what)s image has too many pixels (%(width)s × %(height)s). "
                 "Please send a smaller image.", **values)
    if reason == "aspect-ratio":
        return _("The %(what)s image is %(width)s × %(height)s pixels: too long and thin. "
                 "Please crop it closer to the %(what)s.", **values)
    if reason == "too-small":
        return _("The %(what)s image is only %(width)s × %(height)s pixels; please send a "
                 "larger one.", **values)
    if reason == "unreadable":
        return _("The %(what)s file is damaged or incomplete and cannot be read. Please "
                 "save it again as PNG or JPEG.", **values)
    if reason == "animated":
        return _("The %(what)s image is animated; please upload a still PNG or JPEG.",
                 **values)
    if reason == "blank" and values.get("what") == _("logo"):
        return _("The logo image is blank: every pixel is transparent.")
    if reason in ("blank", "no-ink"):
        return _("No signature found in the image: it looks blank. Please sign in dark ink "
                 "on plain paper, or draw it again.")
    return rejection.message


def too_large_message(limit_mb: int) -> str:
    """Return the message for a body over the route's limit (the upload never arrived)."""
    return _("The file is larger than %(limit)d MB. Please send a smaller one.",
             limit=limit_mb)

"""A form's media with the request's CSP nonce: the section editor's import map is an inline script, which the
Content-Security-Policy (config.settings) runs only when it carries the nonce of this response."""

from django import template
from js_asset.media import Media

register = template.Library()


@register.filter
def with_nonce(media, request):
    nonce = getattr(request, "csp_nonce", None)  # lazy: reading it puts the nonce into this response's policy
    return media if nonce is None else Media.from_media(media, nonce=str(nonce))

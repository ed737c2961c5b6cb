"""The Content-Security-Policy of the docs pages: this origin only, and the least
beyond it that each page needs, directive by directive.

No page allows an inline script, `eval`, or anything from another origin.
`tests/test_api_docs.py` checks the headers; the template's browser test
loads both pages under them and fails on any violation. A service that adds
OAuth2 with a token endpoint elsewhere must add that origin to `connect-src`
of `SWAGGER_UI`, so that Swagger UI may fetch tokens from it.
"""

# Every page: its own origin for anything not named below (scripts, style
# sheets, the schema, "Try it out" requests); no plug-ins; no <base> that
# would move relative URLs elsewhere; forms only to this origin; no framing
# by another site (clickjacking).
OWN_ORIGIN_ONLY = (
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)

# Images from this origin and data: URLs, which both pages need: their icon
# is an empty data: URL (so the browser asks for no /favicon.ico), Swagger
# UI draws some icons as data: SVGs, and ReDoc's logo is an empty data: URL
# (assets/README.md says why).
IMAGES = "img-src 'self' data:"

SWAGGER_UI = "; ".join((*OWN_ORIGIN_ONLY, IMAGES))

REDOC = "; ".join(
    (
        *OWN_ORIGIN_ONLY,
        IMAGES,
        # ReDoc styles itself with styled-components, which writes <style>
        # elements at run time, and ReDoc cannot pass them a nonce. Styles
        # cannot run code; scripts stay limited to this origin's files.
        "style-src 'self' 'unsafe-inline'",
        # Its search index is built in a web worker started from a blob: URL.
        "worker-src blob:",
    )
)

# The OAuth2 redirect page only runs its script, which hands what the OAuth2
# server sent back to the Swagger UI window that opened it.
OAUTH2_REDIRECT = "default-src 'none'; script-src 'self'; base-uri 'none'; frame-ancestors 'none'"

# Scripts and style sheets are not documents and load nothing themselves: a
# browser that opens one directly runs nothing.
ASSETS = "default-src 'none'; frame-ancestors 'none'"

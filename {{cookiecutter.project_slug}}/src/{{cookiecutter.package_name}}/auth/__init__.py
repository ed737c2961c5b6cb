"""Authentication: the bearer tokens of an OpenID Connect provider, verified here.

The service keeps no users and no passwords: its callers bring an access
token from the team's identity provider, and the service checks it against
the provider's published signing keys.

- `settings.py`: the issuer, the audience, the accepted algorithms, the leeway;
- `keys.py`: the signing keys, cached, refreshed once for many waiters, rate-limited;
- `provider.py`: discovery and the JWKS, fetched over HTTP;
- `tokens.py`: one token checked, and the `Principal` it names;
- `dependencies.py`: `PrincipalDep` and `require_scopes(...)`, what routes use.
"""

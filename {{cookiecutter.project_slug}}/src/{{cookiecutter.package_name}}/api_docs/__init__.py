"""The interactive API docs, Swagger UI at `/docs` and ReDoc at `/redoc`, served from
assets that ship with the service: no CDN, so they work offline and under a strict
Content-Security-Policy.

- `assets/`: Swagger UI and ReDoc, vendored at pinned versions with their licences
  (its README.md says which, from where, and how to update them), and the start-up
  script and style sheet of the pages;
- `assets.py`: which of those files are served, and their fingerprinted URLs;
- `policy.py`: the Content-Security-Policy of each page;
- `routes.py`: the pages, the assets and Swagger UI's OAuth2 redirect page.
"""

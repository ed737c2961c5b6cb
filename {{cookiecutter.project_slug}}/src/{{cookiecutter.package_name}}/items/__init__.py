"""Items: the example resource, stored in the database. Copy it to add your own.

- `models.py`: the `Item` table and the schemas of its API;
- `routes.py`: create, list, read, update and delete.
"""

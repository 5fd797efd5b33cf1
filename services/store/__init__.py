"""The SQL store shared by the api, scheduler and protection services.

- ``smaug.store.db``: ``Store(url)`` (migrates on construction; ``write()``/``read()`` sessions).
- ``smaug.store.models``: the tables.
- ``smaug.store.records``: rows the services write (restores, verifications, operation logs,
  scheduled runs, heartbeats, idempotency) and ``get_plan``.
- ``smaug.store.quotas``: limits and usage.
- ``smaug.store.identities``: standalone users and tokens.
"""

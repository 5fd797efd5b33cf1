"""Alembic revisions of the store's schema, applied by ``smaug.store.db.Store`` on start-up.

Each ``vNNNN_*.py`` module is one alembic revision (``revision``/``down_revision``,
``upgrade()``/``downgrade()``). There is no env.py: ``smaug.store.db.migrate`` drives alembic
programmatically. Never edit a released revision; add a new one and update ``models.py``.
"""

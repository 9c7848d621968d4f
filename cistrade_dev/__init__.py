"""Development tools: stand-ins for the systems around the platform, for demos and tests.

Production code (``cistrade_core``, ``dags``, ``plugins``) never imports this package;
the ``cistrade`` command reaches its commands by name (see :mod:`cistrade_dev.cli`).
"""

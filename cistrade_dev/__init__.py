"""Development tools: stand-ins for the systems around the platform, for demos and tests.

======================  ==========================================================
``gmp_samples``         realistic GMP drops, good or with one fault of the contract
``gmp_reference_data``  static facts the sample generator uses
``fx_simulator``        the Bloomberg and Reuters APIs on 127.0.0.1, with fault modes
``smtp_server``         an SMTP server on 127.0.0.1 keeping each message as a file
``local_hiveserver``    a HiveServer2 on 127.0.0.1 (the Spark Thrift Server)
``cli``                 their ``cistrade`` commands: ``gmp generate``, ``fx simulate``,
                        ``fx fault``, ``mail serve``
======================  ==========================================================

Production code (``cistrade_core``, ``dags``, ``plugins``) never imports this package
(``tests/dev/test_isolation.py``). The ``cistrade`` command adds the commands of
:mod:`cistrade_dev.cli` to their groups by name (``DEV_COMMANDS`` in
:mod:`cistrade_core.cli`), and leaves them out where this package is not installed.
"""

"""FX rates from the market-data providers: Bloomberg (primary) and Reuters (backup).

=================  ==============================================================
``pairs``          pair names, quoting conventions, each provider's coverage
``models``         the rate records passed between the modules
``providers``      HTTP clients with retries (``requests`` + ``tenacity``)
``validation``     checks a rate passes before it is stored; the jump check
``store``          the FX tables in the warehouse, on every engine
``load``           one load run: fetch, fall back, validate, store, alert
``health``         feed-health and run records
``alerts``         mails to the market data team
``divergence``     Bloomberg against Reuters
``convert``        amounts between currencies at mid rates (``Decimal``)
``settings``       limits, retry policy and endpoints from the environment
``refdata``        ISO 4217 currency reference data for demos and development
=================  ==============================================================

The market-data simulator serving both providers' APIs on 127.0.0.1 is a development
tool: :mod:`cistrade_dev.fx_simulator`.
"""

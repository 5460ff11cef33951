"""Scalekit's gRPC API (SPEC §15): servicers for the official SDKs, calling the same services as
the REST API, behind a front that shares the HTTP port (``front.py``). Needs the optional extra
``tenantry[scalekit]`` (the generated classes ship in ``scalekit-sdk-python``)."""

"""The HTTP API, version 1 (docs/api.md): the resolver and its routes table (`app`), one router per
domain (`routes/`), who may do what (`access`), the one error shape (`errors`), the answers
(`views`) and the OpenAPI document (`openapi`). `handlers/api.py` is its Lambda entry."""

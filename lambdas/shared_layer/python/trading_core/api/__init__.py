"""The REST APIs' definitions, written once: the constructs build the resources and methods from them, the
handlers take their parameter patterns and limits from them, and the `api_docs` function renders them as
OpenAPI. `spec` and `errors` import the standard library only (the order path stays light); the document
modules add the pydantic models of the bodies.
"""

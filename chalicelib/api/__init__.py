"""The HTTP edge: the only package that imports Chalice (routes, middleware, auth, responses)."""

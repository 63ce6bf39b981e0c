"""The pages for people (experts, review bodies, the secretariat), shared by every service that serves some:
one base layout, the login exchange, the session cookie's CSRF token, the vendored assets. Each service's own
pages live in its package (services/<svc>/pages/) and extend the layout here."""

"""HTTP entry points, thin: parse the request (eventlog/http/front_door.py), call a handler (handlers.py), answer."""

"""HTTP entry points, thin: parse the request (eventlog/front_door.py), call a handler (handlers.py), answer."""

"""The event-loop guard: warns, naming the route and the line, when the event loop is blocked.

- `guard.py`: the heartbeat and the watchdog that notice a block;
- `stack.py`: what the loop thread's stack says about where it is;
- `feature.py`: its setting and its lifespan part.
"""

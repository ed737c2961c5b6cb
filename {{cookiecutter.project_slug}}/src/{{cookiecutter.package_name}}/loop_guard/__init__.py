"""The event-loop guard: warns, naming the route and the line, when the event loop is blocked.

- `guard.py`: the heartbeat and the watchdog that notice a late loop;
- `causes.py`: what else can hold the loop: the collector, the scheduler, the kernel;
- `stack.py`: what the loop thread's stack says about where it is;
- `reports.py`: blocks (the code held the loop) and pauses (something else did);
- `feature.py`: its setting and its lifespan part.
"""

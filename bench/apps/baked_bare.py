"""The baked service with everything it adds per request removed.

Built by the baked `create_app(settings)`, so it has the same routes,
lifespan, sessions and clients, then stripped of what the template adds to
every request: its user middleware (process time, Server-Timing, request ids,
request logs: whatever is added there) and the event-loop guard, which the
settings can turn off. The difference between this app and the baked one is
the per-request cost of those additions. `BAKED_PACKAGE` names the package.
"""

import importlib
import os

from fastapi import FastAPI

package = os.environ["BAKED_PACKAGE"]
create_app = importlib.import_module(f"{package}.app").create_app
load_settings = importlib.import_module(f"{package}.settings").load_settings

settings = load_settings()
if "loop_block_threshold_ms" in type(settings).model_fields:
    settings = settings.model_copy(update={"loop_block_threshold_ms": 0})  # 0: no guard
app: FastAPI = create_app(settings)
# The middleware stack is built on the first request, from this list.
app.user_middleware.clear()

"""A WebSocket broadcast room: what one client sends, the others in the room receive.

Connect to `/examples/rooms/{room}` and send text frames holding JSON,
`{"text": "..."}`. Every other client in the room receives
`{"from": "<sender id>", "text": "..."}`.

The rules, each ending the connection with a close code and a reason:

- a room admits `EXAMPLES_ROOM_MAX_CLIENTS` clients; the next gets 1013 (try again later);
- a message longer than `EXAMPLES_MESSAGE_MAX_BYTES` gets 1009 (too big);
- a binary frame gets 1003, and anything but `{"text": "<1 or more characters>"}` 1008;
- a client that falls `OUTBOX_SIZE` messages behind, or takes longer than
  `EXAMPLES_ROOM_SEND_TIMEOUT` to accept one, is dropped with 1008, so one
  slow or stalled reader never holds up the room or fills the memory.

uvicorn's `--ws-max-size` (16 MiB by default) bounds what it reads of any one
message before the app sees it; `EXAMPLES_MESSAGE_MAX_BYTES` is the room's
own, smaller limit.

Each client is served by two tasks in one task group, one receiving and one
sending, so when the client leaves, vanishes or is dropped, both end and the
client leaves its room; an empty room is forgotten. Nothing outlives the
connection.
"""

import asyncio
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Annotated

from fastapi import Path, WebSocket, WebSocketDisconnect, status
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.types import Message

from {{ cookiecutter.package_name }}.routing import feature_router

router = feature_router(prefix="/examples/rooms", tags=["examples"])

# Messages waiting to be sent to one client; a client this far behind is dropped.
OUTBOX_SIZE = 100
# Marks the end of a client's outbox: it fell too far behind.
DROPPED = None

RoomName = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,64}$")]


class IncomingMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)


class RoomRuleError(Exception):
    """The client broke a rule of the room: close with `code` and `reason`."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Member:
    def __init__(self, websocket: WebSocket) -> None:
        self.id = uuid.uuid4().hex[:8]
        self.websocket = websocket
        self.outbox: asyncio.Queue[str | None] = asyncio.Queue(maxsize=OUTBOX_SIZE)

    def deliver(self, message: str) -> None:
        """Queue `message` for this client, or mark it dropped when it is too far behind."""
        try:
            self.outbox.put_nowait(message)
        except asyncio.QueueFull:
            while not self.outbox.empty():
                self.outbox.get_nowait()
            self.outbox.put_nowait(DROPPED)


class Rooms:
    """Every room with someone in it, by name."""

    def __init__(self, max_clients: int, max_message_bytes: int, send_timeout: float) -> None:
        self.max_clients = max_clients
        self.max_message_bytes = max_message_bytes
        self.send_timeout = send_timeout
        self.members: dict[str, set[Member]] = {}

    @contextmanager
    def joined(self, room: str, websocket: WebSocket) -> Iterator[Member]:
        """Be a member of `room` for the duration of the block."""
        members = self.members.setdefault(room, set())
        if len(members) >= self.max_clients:
            raise RoomRuleError(status.WS_1013_TRY_AGAIN_LATER, "the room is full")
        member = Member(websocket)
        members.add(member)
        try:
            yield member
        finally:
            members.discard(member)
            if not members:
                del self.members[room]

    def broadcast(self, room: str, sender: Member, text: str) -> None:
        message = json.dumps({"from": sender.id, "text": text})
        for member in self.members.get(room, ()):
            if member is not sender:
                member.deliver(message)

    def read_message(self, frame: Message) -> str:
        """The text of a received frame, or RoomRuleError when it breaks a rule."""
        if frame.get("text") is None:
            raise RoomRuleError(status.WS_1003_UNSUPPORTED_DATA, "send text frames")
        raw = str(frame["text"])
        if len(raw.encode()) > self.max_message_bytes:
            limit = f"messages are limited to {self.max_message_bytes} bytes"
            raise RoomRuleError(status.WS_1009_MESSAGE_TOO_BIG, limit)
        try:
            return IncomingMessage.model_validate_json(raw).text
        except ValidationError:
            raise RoomRuleError(
                status.WS_1008_POLICY_VIOLATION, 'send JSON like {"text": "hello"}'
            ) from None


async def receive_messages(rooms: Rooms, room: str, member: Member) -> None:
    """Broadcast what the client sends, until it leaves."""
    while True:
        frame = await member.websocket.receive()
        if frame["type"] == "websocket.disconnect":
            return
        rooms.broadcast(room, member, rooms.read_message(frame))
        # Let the senders run before the next message: frames that arrived
        # together are received without a pause, and a burst would otherwise
        # fill every outbox before any sender had a turn.
        await asyncio.sleep(0)


TOO_SLOW = (status.WS_1008_POLICY_VIOLATION, "too slow to keep up with the room")


async def send_messages(rooms: Rooms, member: Member) -> None:
    """Send the client what the others said, until it is dropped."""
    while (message := await member.outbox.get()) is not DROPPED:
        try:
            # A client that stops reading would hold this send forever.
            async with asyncio.timeout(rooms.send_timeout):
                await member.websocket.send_text(message)
        except TimeoutError:
            raise RoomRuleError(*TOO_SLOW) from None
    raise RoomRuleError(*TOO_SLOW)


async def close(rooms: Rooms, websocket: WebSocket, rule: RoomRuleError) -> None:
    # The client may be gone already, or too stalled to take even the close frame.
    with suppress(WebSocketDisconnect, TimeoutError):
        async with asyncio.timeout(rooms.send_timeout):
            await websocket.close(rule.code, rule.reason)


@router.websocket("/{room}")
async def chat(websocket: WebSocket, room: RoomName) -> None:
    rooms: Rooms = websocket.state.rooms
    await websocket.accept()
    try:
        with rooms.joined(room, websocket) as member:
            async with asyncio.TaskGroup() as tasks:
                sending = tasks.create_task(send_messages(rooms, member))
                await receive_messages(rooms, room, member)
                sending.cancel()  # the client left: nothing more to send
    except* RoomRuleError as broken:
        rule = next(error for error in broken.exceptions if isinstance(error, RoomRuleError))
        await close(rooms, websocket, rule)
    except* WebSocketDisconnect:
        pass  # the client vanished while a message was being sent to it

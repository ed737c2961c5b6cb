"""The WebSocket room, with real clients on a real socket."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from {{ cookiecutter.package_name }}.examples.rooms import DROPPED, OUTBOX_SIZE, Member

# Generous: a message crosses 127.0.0.1 in milliseconds.
WAIT = 5.0


@asynccontextmanager
async def joined(server_url: str, room: str) -> AsyncIterator[ClientConnection]:
    url = server_url.replace("http://", "ws://") + f"/examples/rooms/{room}"
    async with connect(url, open_timeout=WAIT, close_timeout=WAIT) as websocket:
        yield websocket


async def receive(websocket: ClientConnection) -> dict[str, str]:
    message = json.loads(await asyncio.wait_for(websocket.recv(), WAIT))
    assert isinstance(message, dict)
    return message


async def closed_with(websocket: ClientConnection) -> tuple[int | None, str | None]:
    """Wait for the server to close the connection; its close code and reason."""
    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(websocket.recv(), WAIT)
    assert websocket.close_code is not None
    return websocket.close_code, websocket.close_reason


async def test_what_one_client_sends_the_others_in_its_room_receive(server_url: str) -> None:
    async with AsyncExitStack() as clients:
        alice = await clients.enter_async_context(joined(server_url, "lobby"))
        bob = await clients.enter_async_context(joined(server_url, "lobby"))
        carol = await clients.enter_async_context(joined(server_url, "garden"))
        dave = await clients.enter_async_context(joined(server_url, "garden"))
        await asyncio.sleep(0.1)  # all four have joined before anyone speaks

        await alice.send(json.dumps({"text": "hello"}))
        heard_by_bob = await receive(bob)
        await bob.send(json.dumps({"text": "hi alice"}))
        await dave.send(json.dumps({"text": "only the garden"}))

        assert heard_by_bob["text"] == "hello"
        # Alice's first message is Bob's answer: her own was not sent back to her.
        heard_by_alice = await receive(alice)
        assert heard_by_alice["text"] == "hi alice"
        assert heard_by_alice["from"] != heard_by_bob["from"]
        # Carol's first message is from her own room: nothing crossed over from the lobby.
        assert (await receive(carol))["text"] == "only the garden"


@pytest.mark.parametrize(
    ("frame", "code", "reason"),
    [
        (b"\x00\x01", 1003, "send text frames"),
        ("not json", 1008, 'send JSON like {"text": "hello"}'),
        (json.dumps({"text": ""}), 1008, 'send JSON like {"text": "hello"}'),
        (json.dumps({"words": "hello"}), 1008, 'send JSON like {"text": "hello"}'),
        (json.dumps({"text": "é" * 40}), 1009, "messages are limited to 64 bytes"),
    ],
    ids=["binary", "not-json", "empty-text", "no-text", "too-big"],
)
async def test_a_message_that_breaks_a_rule_closes_the_connection_with_the_reason(
    server_url: str, frame: str | bytes, code: int, reason: str
) -> None:
    async with joined(server_url, "lobby") as websocket:
        await websocket.send(frame)

        assert await closed_with(websocket) == (code, reason)


async def test_a_full_room_turns_the_next_client_away_until_someone_leaves(
    server_url: str,
) -> None:
    async with joined(server_url, "lobby"), joined(server_url, "lobby") as second:
        async with joined(server_url, "lobby") as third:
            assert await closed_with(third) == (1013, "the room is full")

        await second.close()
        async with joined(server_url, "lobby") as newcomer:
            await newcomer.send(json.dumps({"text": "room for me"}))
            await asyncio.sleep(0.1)
            assert newcomer.close_code is None  # admitted, and still connected


async def test_a_client_that_vanishes_leaves_no_task_and_no_seat_behind(server_url: str) -> None:
    tasks_before = len(asyncio.all_tasks())
    async with joined(server_url, "lobby") as stays:
        async with joined(server_url, "lobby") as vanishes:
            await asyncio.sleep(0.1)
            vanishes.transport.abort()  # the TCP connection drops: no close handshake
            await asyncio.sleep(0.2)  # for the server to see the connection gone

        # Its seat is free again: the room (of two) admits a newcomer, who hears the other.
        async with joined(server_url, "lobby") as newcomer:
            await asyncio.sleep(0.1)
            await stays.send(json.dumps({"text": "still here"}))
            assert (await receive(newcomer))["text"] == "still here"

    # Every task the connections started has ended (the server's, and the clients').
    for _ in range(100):
        if len(asyncio.all_tasks()) <= tasks_before:
            break
        await asyncio.sleep(0.05)
    assert len(asyncio.all_tasks()) <= tasks_before, asyncio.all_tasks()


async def test_a_room_name_outside_the_pattern_is_refused_at_the_handshake(
    server_url: str,
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with joined(server_url, "Capitals"):
            pass

    assert refused.value.response.status_code == 403


def test_a_client_too_far_behind_is_dropped_instead_of_slowing_the_room() -> None:
    member = Member(websocket=None)  # type: ignore[arg-type]  # delivery never touches it

    for number in range(OUTBOX_SIZE + 1):
        member.deliver(f"message {number}")

    # What it had not read yet is discarded: its sender closes it next.
    assert member.outbox.qsize() == 1
    assert member.outbox.get_nowait() is DROPPED

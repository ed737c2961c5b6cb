"""The WebSocket room, with real clients on a real socket."""

import asyncio
import base64
import json
import os
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from {{ cookiecutter.package_name }}.examples.rooms import DROPPED, OUTBOX_SIZE, Member
from tests.support.waiting import polled

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


INVALID = 'send JSON like {"text": "hello"}'
# Each frame that breaks a rule, and the close code and reason it earns.
BROKEN_RULES: dict[str, tuple[str | bytes, int, str]] = {
    "binary": (b"\x00\x01", 1003, "send text frames"),
    "not JSON": ("not json", 1008, INVALID),
    "empty text": (json.dumps({"text": ""}), 1008, INVALID),
    "no text": (json.dumps({"words": "hello"}), 1008, INVALID),
    "an extra field": (json.dumps({"text": "hi", "to": "bob"}), 1008, INVALID),
    "too big": (json.dumps({"text": "é" * 10_000}), 1009, "messages are limited to 20000 bytes"),
}


async def test_a_message_that_breaks_a_rule_closes_the_connection_with_the_reason(
    server_url: str,
) -> None:
    # One server for every case: starting one per case would double the time.
    closes = {}
    for case, (frame, _, _) in BROKEN_RULES.items():
        async with joined(server_url, "lobby") as websocket:
            await websocket.send(frame)
            closes[case] = await closed_with(websocket)

    assert closes == {case: (code, reason) for case, (_, code, reason) in BROKEN_RULES.items()}


@asynccontextmanager
async def admitted(server_url: str, room: str) -> AsyncIterator[ClientConnection]:
    """Join `room` as soon as it has a free seat (the server may not have seen a leaver yet)."""
    for _ in range(50):
        async with joined(server_url, room) as websocket:
            try:
                await asyncio.wait_for(websocket.recv(), 0.1)
            except TimeoutError:  # not turned away: a member now
                yield websocket
                return
            except ConnectionClosed:
                assert websocket.close_code == 1013, websocket.close_reason
        await asyncio.sleep(0.05)
    raise AssertionError(f"room {room} stayed full")


async def test_a_full_room_turns_the_next_client_away_until_someone_leaves(
    server_url: str,
) -> None:
    async with joined(server_url, "lobby") as first, joined(server_url, "lobby") as second:
        async with joined(server_url, "lobby") as third:
            assert await closed_with(third) == (1013, "the room is full")

        await second.close()
        async with admitted(server_url, "lobby") as newcomer:
            await first.send(json.dumps({"text": "welcome"}))
            assert (await receive(newcomer))["text"] == "welcome"


async def test_a_client_that_vanishes_leaves_no_task_and_no_seat_behind(server_url: str) -> None:
    tasks_before = asyncio.all_tasks()
    async with joined(server_url, "lobby") as stays:
        async with joined(server_url, "lobby") as vanishes:
            await asyncio.sleep(0.1)
            vanishes.transport.abort()  # the TCP connection drops: no close handshake

        # Its seat is free again: the room (of two) admits a newcomer, who hears the other.
        async with admitted(server_url, "lobby") as newcomer:
            await stays.send(json.dumps({"text": "still here"}))
            assert (await receive(newcomer))["text"] == "still here"

    # Every task the connections started has ended (the server's, and the clients').
    assert await polled(lambda: asyncio.all_tasks() - tasks_before == set())


async def test_a_burst_reaches_a_client_that_keeps_reading(server_url: str) -> None:
    async with joined(server_url, "lobby") as listener, joined(server_url, "lobby") as talker:
        for number in range(500):  # five times what a client's outbox holds
            await talker.send(json.dumps({"text": f"message {number}"}))

        heard = [(await receive(listener))["text"] for _ in range(500)]

    assert heard == [f"message {number}" for number in range(500)]


async def joined_without_reading(server_url: str, room: str) -> socket.socket:
    """A raw client that joins `room`, reads the handshake's answer, and nothing after.

    Its receive buffer is as small as the kernel allows, set before it
    connects: a TCP window once offered is never taken back.
    """
    host, port = server_url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, (host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    handshake = (
        f"GET /examples/rooms/{room} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    await loop.sock_sendall(sock, handshake.encode())
    answer = await asyncio.wait_for(loop.sock_recv(sock, 4096), WAIT)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return sock


async def test_a_client_that_stops_reading_is_dropped_and_the_room_goes_on(
    server_url: str,
) -> None:
    stalled = await joined_without_reading(server_url, "lobby")
    try:
        async with joined(server_url, "lobby") as talker:
            # 8 MB for it: more than every buffer between the room and the client
            # holds (the kernel grows a socket's send buffer up to 4 MB).
            message = json.dumps({"text": "x" * 16_000})
            for _ in range(500):
                await talker.send(message)
                # A send returns without giving way while the socket takes
                # the bytes, and the served app shares this event loop: the
                # 500 sends in a row, each compressed, once held it 254 ms.
                await asyncio.sleep(0)

            # The server gave up on it after EXAMPLES_ROOM_SEND_TIMEOUT: its seat
            # is free, and the room goes on for everyone else.
            async with admitted(server_url, "lobby") as newcomer:
                await talker.send(json.dumps({"text": "still here"}))
                assert (await receive(newcomer))["text"] == "still here"
    finally:
        stalled.close()


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

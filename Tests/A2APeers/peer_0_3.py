"""Drives an Aloft server's A2A endpoints with the official a2a-sdk 0.3.26 client (protocol 0.3).

usage: peer_0_3.py BASE_URL API_KEY

The same agents as peer_1_3.py. Every check is an assert; one `ok <check>` line per check.
"""
import asyncio
import sys
import uuid

import httpx
from a2a.client import A2ACardResolver, ClientConfig, ClientFactory
from a2a.client.errors import A2AClientJSONRPCError
from a2a.types import (
    DataPart, Message, Part, Role, TaskArtifactUpdateEvent, TaskIdParams, TaskQueryParams, TaskState,
    TaskStatusUpdateEvent, TextPart,
)

BASE, KEY = sys.argv[1], sys.argv[2]
GREETING = "Hello from Aloft over A2A, streamed word by word."


def ok(name):
    print("ok", name, flush=True)


def message(text, task_id=None, context_id=None, data=None, message_id=None):
    parts = [Part(root=TextPart(text=text))] if text is not None else []
    if data is not None:
        parts.append(Part(root=DataPart(data=data)))
    return Message(
        message_id=message_id or str(uuid.uuid4()), role=Role.user, parts=parts, task_id=task_id, context_id=context_id
    )


async def client_for(agent, http, streaming=True, polling=False):
    card = await A2ACardResolver(http, f"{BASE}/{agent}").get_agent_card()
    return card, ClientFactory(ClientConfig(httpx_client=http, streaming=streaming, polling=polling)).create(card)


async def updates(stream):
    """The (task, update) events of a stream, as the client's task manager gives them."""
    return [event async for event in stream]


def seq(update):
    return int(update.metadata["aloft.seq"])


def text_of(items):
    text = ""
    for update in items:
        if isinstance(update, TaskArtifactUpdateEvent):
            chunk = "".join(p.root.text for p in update.artifact.parts)
            text = text + chunk if update.append else chunk
    return text


async def expect_error(code, call):
    try:
        await call
    except A2AClientJSONRPCError as error:
        assert error.error.code == code, error.error
        return error.error
    raise AssertionError(f"expected JSON-RPC error {code}")


async def main():
    headers = {"Authorization": f"Bearer {KEY}"} if KEY else {}
    async with httpx.AsyncClient(headers=headers, timeout=60) as http:
        card, greeter = await client_for("greeter", http, streaming=False)
        assert card.name == "greeter" and card.url.endswith("/a2a/greeter"), card.url
        assert card.capabilities.streaming
        ok("card")

        first = message("Hi there")
        [(task, _)] = await updates(greeter.send_message(first))
        assert task.status.state == TaskState.completed, task.status
        assert task.artifacts[0].parts[0].root.text == GREETING
        assert task.history[0].message_id == first.message_id
        ok("send blocking")

        [(again, _)] = await updates(greeter.send_message(first))
        assert again.id == task.id
        ok("send repeated message id")

        got = await greeter.get_task(TaskQueryParams(id=task.id, history_length=1))
        assert got.id == task.id and len(got.history) == 1
        ok("get")

        _, streamer = await client_for("greeter", http)
        events = await updates(streamer.send_message(message("Stream please", context_id=task.context_id)))
        assert events[0][1] is None and events[0][0].context_id == task.context_id
        items = [update for _, update in events[1:]]
        assert isinstance(items[-1], TaskStatusUpdateEvent) and items[-1].final, items[-1]
        assert items[-1].status.state == TaskState.completed
        numbers = [seq(u) for u in items]
        assert numbers == sorted(numbers), numbers
        assert text_of(items) == GREETING, text_of(items)
        assert events[-1][0].artifacts[0].parts[0].root.text == GREETING  # the client's own view of the task
        ok("stream")

        _, poller = await client_for("slow", http, streaming=False, polling=True)
        [(started, _)] = await updates(poller.send_message(message("Take your time")))
        assert started.status.state in (TaskState.submitted, TaskState.working)
        cancelled = await poller.cancel_task(TaskIdParams(id=started.id))
        assert cancelled.status.state == TaskState.canceled, cancelled.status
        assert (await poller.cancel_task(TaskIdParams(id=started.id))).status.state == TaskState.canceled
        await expect_error(-32002, greeter.cancel_task(TaskIdParams(id=task.id)))
        ok("cancel")

        _, slow = await client_for("slow", http)
        [(started, _)] = await updates(poller.send_message(message("Once more, slowly")))
        seen = []
        async for _, update in slow.resubscribe(TaskIdParams(id=started.id)):
            if update is not None:
                seen.append(update)
            if sum(isinstance(u, TaskArtifactUpdateEvent) for u in seen) >= 3:
                break
        last = max(seq(u) for u in seen)
        rest = [u async for _, u in slow.resubscribe(TaskIdParams(id=started.id, metadata={"aloft.last_seq": last}))]
        assert rest[0] is None  # the task first
        assert all(seq(u) > last for u in rest[1:])
        assert rest[-1].status.state == TaskState.completed and rest[-1].final
        final = await slow.get_task(TaskQueryParams(id=started.id))
        assert text_of(seen + rest[1:]) == final.artifacts[0].parts[0].root.text
        ok("resubscribe")

        _, guarded = await client_for("guarded", http)
        events = await updates(guarded.send_message(message("What time is it?")))
        status = events[-1][1].status
        assert status.state == TaskState.input_required and events[-1][1].final, status
        [pending] = status.message.parts[1].root.data["approvals"]
        decision = {"decisions": [{"tool_call_id": pending["tool_call_id"], "approved": False, "reason": "not now"}]}
        events = await updates(guarded.send_message(message(None, task_id=events[0][0].id, data=decision)))
        assert events[-1][1].status.state == TaskState.completed, events[-1]
        resumed = [u for _, u in events if u is not None and u.metadata.get("aloft.event") == "run_resumed"]
        assert resumed and resumed[0].metadata["aloft.data"]["approved"] is False, resumed
        ok("approval round trip")

        await expect_error(-32001, greeter.get_task(TaskQueryParams(id="run_nonexistent")))
        error = await expect_error(-32602, greeter.get_task(TaskQueryParams(id=task.id, history_length=-1)))
        assert "historyLength" in error.message, error
        ok("errors")


asyncio.run(main())

"""Drives an Aloft server's A2A endpoints with the official a2a-sdk 1.3.0 client.

usage: peer_1_3.py BASE_URL API_KEY {1.0|0.3}

BASE_URL is the server's /a2a prefix; the agents `greeter`, `slow` and `guarded` must be
served (see Tests/AloftIntegrationTests/A2AServeTests.swift). With 0.3 the client's compat
transport is used (the card's 0.3 interface). Every check is an assert; the script prints
one `ok <check>` line per check passed and exits non-zero at the first failure.
"""
import asyncio
import json
import sys
import uuid

import httpx
from a2a.client import ClientConfig, ClientFactory
from a2a.client.card_resolver import A2ACardResolver
from a2a.client.client import ClientCallContext
from a2a.client.errors import A2AClientError
from a2a.types.a2a_pb2 import (
    CancelTaskRequest, GetTaskRequest, ListTasksRequest, Message, Part, Role, SendMessageRequest,
    SubscribeToTaskRequest, TaskState,
)
from a2a.utils.errors import TaskNotCancelableError, TaskNotFoundError, VersionNotSupportedError
from google.protobuf import json_format, struct_pb2

BASE, KEY, VERSION = sys.argv[1], sys.argv[2], sys.argv[3]
GREETING = "Hello from Aloft over A2A, streamed word by word."


def ok(name):
    print("ok", name, flush=True)


def message(text, task_id=None, context_id=None, data=None, message_id=None):
    parts = [Part(text=text)] if text is not None else []
    if data is not None:
        value = struct_pb2.Value()
        json_format.ParseDict(data, value)
        parts.append(Part(data=value))
    m = Message(message_id=message_id or str(uuid.uuid4()), role=Role.ROLE_USER, parts=parts)
    if task_id:
        m.task_id = task_id
    if context_id:
        m.context_id = context_id
    return m


async def client_for(agent, http, streaming=True, polling=False):
    card = await A2ACardResolver(http, f"{BASE}/{agent}").get_agent_card()
    if VERSION == "0.3":
        keep = [i for i in card.supported_interfaces if i.protocol_version.startswith("0.3")]
        del card.supported_interfaces[:]
        card.supported_interfaces.extend(keep)
    config = ClientConfig(httpx_client=http, streaming=streaming, polling=polling)
    return card, ClientFactory(config).create(card)


async def collect(stream):
    events = []
    async for event in stream:
        events.append(event)
    return events


def text_of(events):
    """The answer as a client assembles it from artifact updates (append or replace)."""
    text = ""
    for e in events:
        if e.HasField("artifact_update"):
            chunk = "".join(p.text for p in e.artifact_update.artifact.parts)
            text = text + chunk if e.artifact_update.append else chunk
    return text


def seq(event):
    for field in ("status_update", "artifact_update"):
        if event.HasField(field):
            return int(getattr(event, field).metadata["aloft.seq"])
    return None


async def main():
    headers = {"Authorization": f"Bearer {KEY}"} if KEY else {}
    async with httpx.AsyncClient(headers=headers, timeout=60) as http:
        card, greeter = await client_for("greeter", http, streaming=False)
        assert card.name == "greeter", card.name
        assert card.capabilities.streaming
        versions = sorted(i.protocol_version for i in card.supported_interfaces)
        assert versions == (["0.3"] if VERSION == "0.3" else ["0.3", "1.0"]), versions
        if KEY:
            assert "bearer" in card.security_schemes, card.security_schemes
        ok("card")

        # Blocking send: the completed task, with its answer as an artifact.
        first = message("Hi there")
        [response] = await collect(greeter.send_message(SendMessageRequest(message=first)))
        task = response.task
        assert task.status.state == TaskState.TASK_STATE_COMPLETED, task.status
        assert task.artifacts[0].parts[0].text == GREETING, task.artifacts
        assert task.history[0].parts[0].text == "Hi there"
        assert task.history[0].message_id == first.message_id
        ok("send blocking")

        # The same message again: the same task, not a second one.
        [again] = await collect(greeter.send_message(SendMessageRequest(message=first)))
        assert again.task.id == task.id, (again.task.id, task.id)
        ok("send repeated message id")

        # Get, with a history length.
        got = await greeter.get_task(GetTaskRequest(id=task.id, history_length=1))
        assert got.id == task.id and len(got.history) == 1, got.history
        assert got.status.state == TaskState.TASK_STATE_COMPLETED
        ok("get")

        # Stream: the task first, then updates with rising aloft.seq, closed at completion.
        _, streamer = await client_for("greeter", http)
        events = await collect(streamer.send_message(SendMessageRequest(message=message("Stream please", context_id=task.context_id))))
        assert events[0].HasField("task"), events[0]
        assert events[0].task.context_id == task.context_id
        assert events[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED, events[-1]
        numbers = [seq(e) for e in events[1:]]
        assert all(n is not None for n in numbers) and numbers == sorted(numbers), numbers
        assert sum(1 for e in events if e.HasField("artifact_update")) > 3
        assert text_of(events) == GREETING, text_of(events)
        ok("stream")

        if VERSION == "1.0":
            # List: this context's tasks, newest first, in pages.
            page = await greeter.list_tasks(ListTasksRequest(context_id=task.context_id, page_size=1))
            assert len(page.tasks) == 1 and page.next_page_token, page
            rest = await greeter.list_tasks(ListTasksRequest(context_id=task.context_id, page_token=page.next_page_token))
            ids = [page.tasks[0].id] + [t.id for t in rest.tasks]
            assert ids[1] == task.id and len(ids) == 2, ids
            done = await greeter.list_tasks(ListTasksRequest(status=TaskState.TASK_STATE_COMPLETED, include_artifacts=True))
            assert task.id in [t.id for t in done.tasks] and done.tasks[0].artifacts
            ok("list")

        # Cancel a task under way (sent without waiting), again (idempotent), then a finished one.
        _, poller = await client_for("slow", http, streaming=False, polling=True)
        [started] = await collect(poller.send_message(SendMessageRequest(message=message("Take your time"))))
        assert started.task.status.state in (TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING), started.task.status
        cancelled = await poller.cancel_task(CancelTaskRequest(id=started.task.id))
        assert cancelled.status.state == TaskState.TASK_STATE_CANCELED, cancelled.status
        again = await poller.cancel_task(CancelTaskRequest(id=started.task.id))
        assert again.status.state == TaskState.TASK_STATE_CANCELED
        try:
            await greeter.cancel_task(CancelTaskRequest(id=task.id))
            raise AssertionError("cancelling a completed task must fail")
        except TaskNotCancelableError:
            pass
        ok("cancel")

        # Resubscribe: read part of a stream, drop it, come back with the last aloft.seq.
        _, slow = await client_for("slow", http)
        [started] = await collect(poller.send_message(SendMessageRequest(message=message("Once more, slowly"))))
        seen = []
        async for event in slow.subscribe(SubscribeToTaskRequest(id=started.task.id)):
            seen.append(event)
            if sum(1 for e in seen if e.HasField("artifact_update")) >= 3:
                break
        assert seen[0].HasField("task")
        last = max(seq(e) for e in seen[1:])
        context = ClientCallContext(service_parameters={"Last-Event-ID": str(last)})
        rest = await collect(slow.subscribe(SubscribeToTaskRequest(id=started.task.id), context=context))
        assert rest[0].HasField("task"), rest[0]
        assert all(seq(e) > last for e in rest[1:]), ([seq(e) for e in rest[1:]], last)
        assert rest[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED
        final = await slow.get_task(GetTaskRequest(id=started.task.id))
        assert text_of(seen[1:] + rest[1:]) == final.artifacts[0].parts[0].text, text_of(seen[1:] + rest[1:])
        ok("resubscribe")

        # Approval: the stream ends input-required with the pending call; approving continues it.
        _, guarded = await client_for("guarded", http)
        events = await collect(guarded.send_message(SendMessageRequest(message=message("What time is it?"))))
        status = events[-1].status_update.status
        assert status.state == TaskState.TASK_STATE_INPUT_REQUIRED, status
        data = json_format.MessageToDict(status.message.parts[1].data)
        [pending] = data["approvals"]
        assert pending["name"] == "current_time", data
        task_id = events[0].task.id
        decision = {"decisions": [{"tool_call_id": pending["tool_call_id"], "approved": True}]}
        events = await collect(guarded.send_message(SendMessageRequest(message=message(None, task_id=task_id, data=decision))))
        assert events[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED, events[-1]
        assert any(
            e.HasField("status_update") and e.status_update.metadata["aloft.event"] == "tool_call_completed" for e in events
        ), "the approved tool ran"
        # Denied by plain text, waiting for the answer (blocking).
        _, guarded_blocking = await client_for("guarded", http, streaming=False)
        [paused] = await collect(guarded_blocking.send_message(SendMessageRequest(message=message("And now?"))))
        assert paused.task.status.state == TaskState.TASK_STATE_INPUT_REQUIRED, paused.task.status
        [denied] = await collect(
            guarded_blocking.send_message(SendMessageRequest(message=message("deny", task_id=paused.task.id)))
        )
        assert denied.task.status.state == TaskState.TASK_STATE_COMPLETED, denied.task.status
        journal = (await http.get(f"{BASE.rsplit('/a2a', 1)[0]}/v1/runs/{paused.task.id}")).json()
        assert journal["phase"] == "completed"
        ok("approval round trip")

        # Errors.
        try:
            await greeter.get_task(GetTaskRequest(id="run_nonexistent"))
            raise AssertionError("unknown task must fail")
        except TaskNotFoundError:
            pass
        url = f"{BASE}/greeter"
        rpc = lambda method, params, **kw: http.post(url, json={"jsonrpc": "2.0", "id": 7, "method": method, "params": params}, **kw)
        assert (await rpc("NoSuchMethod", {}, headers={"A2A-Version": "1.0"})).json()["error"]["code"] == -32601
        bad = (await rpc("SendMessage", {"message": {"messageId": "x", "role": "ROLE_USER"}}, headers={"A2A-Version": "1.0"})).json()
        assert bad["error"]["code"] == -32602 and "message.parts" in bad["error"]["message"], bad
        assert bad["error"]["data"][0]["reason"] == "INVALID_PARAMS", bad
        version = await http.post(url, json={"jsonrpc": "2.0", "id": 8, "method": "GetTask", "params": {"id": task.id}}, headers={"A2A-Version": ""})
        assert version.json()["error"]["code"] == -32009, version.json()
        parse = await http.post(url, content=b"{not json", headers={"Content-Type": "application/json"})
        assert parse.json()["error"]["code"] == -32700, parse.json()
        invalid = await http.post(url, json={"jsonrpc": "1.0", "id": 9, "method": "GetTask"})
        assert invalid.json()["error"]["code"] == -32600
        if KEY:
            anonymous = await httpx.AsyncClient().post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tasks/get", "params": {"id": task.id}})
            assert anonymous.status_code == 401, anonymous.status_code
        ok("errors")


asyncio.run(main())

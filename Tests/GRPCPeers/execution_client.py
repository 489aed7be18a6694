"""Drives Aloft's gRPC execution API as a client in another language would: Python's grpcio
with stubs generated from the repo's .proto files (scripts/install-grpc-python.sh).

usage: execution_client.py GRPC_ADDRESS HTTP_BASE API_KEY AGENT

Checks as it goes and prints `ok: <what>` for each; the first failed check prints `FAILED:
<what>` and exits 1. The agent must ask for one approval, then answer.
"""
import json
import pathlib
import sys
import threading
import urllib.request

import grpc

# The stubs scripts/install-grpc-python.sh generated from proto/.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / ".build" / "grpc-python" / "stubs"))

from aloft.execution.v1 import command_pb2, command_pb2_grpc, execution_pb2, query_pb2, query_pb2_grpc

address, http_base, key, agent = sys.argv[1:5]
auth = [("authorization", f"Bearer {key}")]
channel = grpc.insecure_channel(address, options=[("grpc.max_send_message_length", 16 << 20)])
commands = command_pb2_grpc.AgentExecutionCommandServiceStub(channel)
queries = query_pb2_grpc.AgentExecutionQueryServiceStub(channel)
Phase = execution_pb2.ExecutionPhase


def check(condition, what):
    if not condition:
        print(f"FAILED: {what}", flush=True)
        sys.exit(1)
    print(f"ok: {what}", flush=True)


def code_of(call):
    try:
        call()
        return grpc.StatusCode.OK, ""
    except grpc.RpcError as error:
        return error.code(), error.details() or ""


def execution(agent="", session="", message="Please clean up.", labels=None):
    value = execution_pb2.AgentExecution()
    value.spec.agent = agent
    value.spec.session_id = session
    value.spec.message = message
    for name, label in (labels or {}).items():
        value.metadata.labels[name] = label
    return value


def wait_for(execution_id, phases):
    for _ in range(3000):
        current = queries.Get(query_pb2.GetRequest(id=execution_id), metadata=auth)
        if current.status.phase in phases:
            return current
        threading.Event().wait(0.02)
    check(False, f"execution {execution_id} reaches {phases}")


def subscribe(execution_id, after, into):
    for update in queries.Subscribe(query_pb2.SubscribeRequest(id=execution_id, after_sequence=after), metadata=auth):
        into.append(update)


code, details = code_of(lambda: queries.List(query_pb2.ListRequest(), timeout=10))
check(code == grpc.StatusCode.UNAUTHENTICATED, f"no key: UNAUTHENTICATED ({code}, {details})")
code, details = code_of(lambda: queries.List(query_pb2.ListRequest(), metadata=[("authorization", "Bearer not-the-key-at-all")]))
check(code == grpc.StatusCode.UNAUTHENTICATED, "a wrong key: UNAUTHENTICATED")
code, details = code_of(lambda: commands.Create(execution(), metadata=auth))
check(code == grpc.StatusCode.INVALID_ARGUMENT and "spec.agent" in details, f"neither agent nor session: INVALID_ARGUMENT naming the field ({details})")

created = commands.Create(execution(agent=agent, labels={"team": "ops"}), metadata=auth)
check(created.metadata.id.startswith("run_") and created.spec.session_id, "create with an agent: an id and a new session")
check(created.spec.runner == execution_pb2.RUNNER_ALOFT and created.metadata.labels["team"] == "ops", "runner and labels")
streams = [[], []]
threads = [threading.Thread(target=subscribe, args=(created.metadata.id, 0, stream), daemon=True) for stream in streams]
for thread in threads:
    thread.start()
waiting = wait_for(created.metadata.id, [Phase.EXECUTION_PHASE_WAITING_FOR_APPROVAL])
check(len(waiting.status.pending_approvals) == 1, "the execution waits for one approval")
call_id = waiting.status.pending_approvals[0].tool_call_id
body = json.dumps({"decisions": [{"tool_call_id": call_id, "approved": True, "decided_by": "python"}]}).encode()
request = urllib.request.Request(
    f"{http_base}/v1/runs/{created.metadata.id}/approval", data=body, method="POST",
    headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
)
check(urllib.request.urlopen(request, timeout=30).status == 202, "approved over REST")
for thread in threads:
    thread.join(timeout=60)
    check(not thread.is_alive(), "each subscription ends by itself")
done = wait_for(created.metadata.id, [Phase.EXECUTION_PHASE_COMPLETED])
for stream in streams:
    check(stream and stream[0].WhichOneof("update") == "snapshot", "the snapshot comes first")
    events = [update.event for update in stream[1:]]
    check(all(update.WhichOneof("update") == "event" for update in stream[1:]), "then events only")
    check(events and events[-1].kind == "run_completed", f"the last event completes the run: {[e.kind for e in events]}")
    numbers = [event.sequence for event in events]
    check(numbers == sorted(set(numbers)), "event numbers rise")
    check("tool_call_started" in [event.kind for event in events], "the approved call's start is seen live")
tails = [[u.event.sequence for u in stream[1:] if u.event.sequence > max(s[0].snapshot.status.sequence for s in streams)] for stream in streams]
check(tails[0] == tails[1], "both subscribers see the same events")

resumed = []
subscribe(created.metadata.id, waiting.status.sequence, resumed)
check(resumed[0].snapshot.status.phase == Phase.EXECUTION_PHASE_COMPLETED, "a resumed subscription's snapshot is current")
check([u.event.sequence for u in resumed[1:]] and all(u.event.sequence > waiting.status.sequence for u in resumed[1:]),
      "a resumed subscription sends what followed the number")
check(resumed[-1].event.kind == "run_completed", "and ends at the terminal event")

turn = commands.Create(execution(session=created.spec.session_id, message="And again."), metadata=auth)
check(turn.spec.session_id == created.spec.session_id and turn.spec.agent == agent, "create with a session: the next turn of it")
wait_for(turn.metadata.id, [Phase.EXECUTION_PHASE_WAITING_FOR_APPROVAL, Phase.EXECUTION_PHASE_COMPLETED])

first = queries.List(query_pb2.ListRequest(page_size=1), metadata=auth)
check(len(first.executions) == 1 and first.next_page_token, "a first page of one, with a next page")
second = queries.List(query_pb2.ListRequest(page_size=1, page_token=first.next_page_token), metadata=auth)
check(second.executions[0].metadata.id == created.metadata.id and not second.next_page_token, "the second page, the last")
labelled = queries.List(query_pb2.ListRequest(labels={"team": "ops"}), metadata=auth)
check([e.metadata.id for e in labelled.executions] == [created.metadata.id], "filtered by labels")
by_session = queries.ListBySession(query_pb2.ListBySessionRequest(session_id=created.spec.session_id), metadata=auth)
check([e.metadata.id for e in by_session.executions] == [turn.metadata.id, created.metadata.id], "listed by session, newest first")

# Hostile and malformed calls: each a clear status, and the server goes on.
raw = channel.unary_unary("/aloft.execution.v1.AgentExecutionCommandService/Create", request_serializer=None, response_deserializer=None)
code, details = code_of(lambda: raw(b"\xff\xff\xff\xff\x0f\x00garbage", metadata=auth, timeout=10))
check(code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.INTERNAL), f"bytes that are no message: {code}")
code, details = code_of(lambda: raw(b"\x12\x80\x80\x80\x80\x10", metadata=auth, timeout=10))
check(code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.INTERNAL), f"a length past the end: {code}")
before = len(queries.List(query_pb2.ListRequest(page_size=200), metadata=auth).executions)
code, details = code_of(lambda: commands.Create(execution(agent=agent, message="x" * (5 << 20)), metadata=auth, timeout=30))
# grpc-swift refuses a message over its limit (4 MiB) while the client may still be sending
# it: the stream is reset (CANCELLED here) or ends with RESOURCE_EXHAUSTED.
check(code in (grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.CANCELLED), f"a 5 MiB message is refused ({code})")
check(len(queries.List(query_pb2.ListRequest(page_size=200), metadata=auth).executions) == before, "and starts nothing")
code, details = code_of(lambda: queries.List(query_pb2.ListRequest(phase=99), metadata=auth))
check(code == grpc.StatusCode.INVALID_ARGUMENT and "phase" in details, "an unknown phase: INVALID_ARGUMENT naming it")
code, details = code_of(lambda: queries.Get(query_pb2.GetRequest(id="run_\u0000\u202e../x"), metadata=auth))
check(code == grpc.StatusCode.INVALID_ARGUMENT and "id" in details, "an id with control characters: INVALID_ARGUMENT")
code, details = code_of(lambda: queries.Subscribe(query_pb2.SubscribeRequest(id="run_nope"), metadata=auth).next())
check(code == grpc.StatusCode.NOT_FOUND, "subscribing to nothing: NOT_FOUND")
unknown = channel.unary_unary("/aloft.execution.v1.AgentExecutionQueryService/Nope", request_serializer=None, response_deserializer=None)
code, details = code_of(lambda: unknown(b"", metadata=auth, timeout=10))
check(code == grpc.StatusCode.UNIMPLEMENTED, "an unknown method: UNIMPLEMENTED")

removed = commands.Delete(command_pb2.DeleteRequest(id=created.metadata.id), metadata=auth)
check(removed.metadata.id == created.metadata.id, "delete returns the finished execution")
code, details = code_of(lambda: queries.Get(query_pb2.GetRequest(id=created.metadata.id), metadata=auth))
check(code == grpc.StatusCode.NOT_FOUND, "and it is gone")
print("all checks passed", flush=True)

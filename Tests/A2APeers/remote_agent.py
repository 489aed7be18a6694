"""A remote agent on the official A2A SDK's reference server, for Aloft's A2A tool to call.

usage: remote_agent.py PORT LOG

Runs with a2a-sdk 1.3.0 (a card with a 1.0 JSON-RPC interface) or 0.3.26 (a 0.3 card),
whichever is installed in the Python running it. It answers every message by streaming
"Remote echo: <the message>" word by word as an artifact, then completes; each message id
it receives is appended to LOG, one per line.
"""
import asyncio
import sys

import uvicorn

PORT, LOG = int(sys.argv[1]), sys.argv[2]
URL = f"http://127.0.0.1:{PORT}/"


def words(text):
    answer = f"Remote echo: {text}"
    pieces = answer.split(" ")
    return [piece if i == 0 else " " + piece for i, piece in enumerate(pieces)]


def record(message_id):
    with open(LOG, "a") as f:
        f.write(message_id + "\n")


try:
    from a2a.types import a2a_pb2  # noqa: F401  (1.x)
    VERSION = "1.0"
except ImportError:
    VERSION = "0.3"

if VERSION == "1.0":
    from a2a.helpers.proto_helpers import new_task, new_text_part
    from a2a.server.agent_execution import AgentExecutor
    from a2a.server.request_handlers import DefaultRequestHandler
    from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
    from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
    from a2a.types.a2a_pb2 import AgentCapabilities, AgentCard, AgentInterface, AgentSkill, TaskState
    from starlette.applications import Starlette

    class Echo(AgentExecutor):
        async def execute(self, context, event_queue):
            record(context.message.message_id)
            await event_queue.enqueue_event(new_task(context.task_id, context.context_id, TaskState.TASK_STATE_SUBMITTED, history=[context.message]))
            updater = TaskUpdater(event_queue, context.task_id, context.context_id)
            await updater.start_work()
            for i, piece in enumerate(words(context.get_user_input())):
                await updater.add_artifact([new_text_part(piece)], artifact_id="echo", name="echo", append=i > 0)
                await asyncio.sleep(0.02)
            await updater.complete()

        async def cancel(self, context, event_queue):
            await TaskUpdater(event_queue, context.task_id, context.context_id).cancel()

    card = AgentCard(
        name="echo", description="Echoes what it is told.", version="1",
        supported_interfaces=[AgentInterface(url=URL, protocol_binding="JSONRPC", protocol_version="1.0")],
        capabilities=AgentCapabilities(streaming=True), default_input_modes=["text/plain"], default_output_modes=["text/plain"],
        skills=[AgentSkill(id="echo", name="echo", description="Echoes", tags=["echo"])],
    )
    handler = DefaultRequestHandler(agent_executor=Echo(), task_store=InMemoryTaskStore(), agent_card=card)
    app = Starlette(routes=create_agent_card_routes(card) + create_jsonrpc_routes(handler, rpc_url="/"))
else:
    from a2a.server.agent_execution import AgentExecutor
    from a2a.server.apps import A2AStarletteApplication
    from a2a.server.request_handlers import DefaultRequestHandler
    from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
    from a2a.types import AgentCapabilities, AgentCard, AgentSkill, Part, TextPart
    from a2a.utils.task import new_task

    class Echo(AgentExecutor):
        async def execute(self, context, event_queue):
            record(context.message.message_id)
            task = context.current_task or new_task(context.message)
            await event_queue.enqueue_event(task)
            updater = TaskUpdater(event_queue, task.id, task.context_id)
            await updater.start_work()
            for i, piece in enumerate(words(context.get_user_input())):
                await updater.add_artifact([Part(root=TextPart(text=piece))], artifact_id="echo", name="echo", append=i > 0)
                await asyncio.sleep(0.02)
            await updater.complete()

        async def cancel(self, context, event_queue):
            pass

    card = AgentCard(
        name="echo", description="Echoes what it is told.", version="1", url=URL, protocol_version="0.3.0",
        capabilities=AgentCapabilities(streaming=True), default_input_modes=["text/plain"], default_output_modes=["text/plain"],
        skills=[AgentSkill(id="echo", name="echo", description="Echoes", tags=["echo"])],
    )
    handler = DefaultRequestHandler(agent_executor=Echo(), task_store=InMemoryTaskStore())
    app = A2AStarletteApplication(agent_card=card, http_handler=handler).build()

uvicorn.run(app, host="127.0.0.1", port=PORT, log_level="warning")

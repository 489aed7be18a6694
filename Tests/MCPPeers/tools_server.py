"""An MCP server for Aloft's tests, on the official `mcp` package: mcp 2.x (MCPServer) or
1.x (FastMCP), whichever is installed.

  tools_server.py                 stdio
  tools_server.py --http PORT     streamable HTTP at /mcp, SSE replies
  tools_server.py --http PORT --json   the same with JSON replies

Tools: add (structured result), echo, forecast (structured data), fail, grow (adds shout
and notifies that the tool list changed) (an error result), whoami (which environment
variables the server sees), crash (the process exits at once, for restart tests). Every call
is appended to the file $MCP_CALL_LOG, if set.
"""
import os
import sys

try:
    from mcp.server.mcpserver import Context, MCPServer as Server  # mcp >= 2
except ImportError:
    from mcp.server.fastmcp import Context, FastMCP as Server  # mcp 1.x

server = Server("aloft-test-tools")


def log(line):
    path = os.environ.get("MCP_CALL_LOG")
    if path:
        with open(path, "a") as file:
            file.write(f"{os.getpid()} {line}\n")


@server.tool()
def add(a: int, b: int) -> int:
    """Adds two whole numbers."""
    log(f"add {a} {b}")
    return a + b


@server.tool()
def echo(text: str) -> str:
    """Says the text back."""
    log(f"echo {text}")
    return f"echo: {text}"


@server.tool()
def forecast(city: str) -> dict:
    """Tomorrow's weather in a city, as data."""
    log(f"forecast {city}")
    return {"city": city, "celsius": 9, "sky": "rain"}


@server.tool()
def fail(reason: str) -> str:
    """Always fails with the reason."""
    log("fail")
    raise ValueError(f"failed on purpose: {reason}")


@server.tool()
def whoami() -> str:
    """Which of a few environment variables the server can see."""
    seen = [name for name in ("SERVER_SECRET", "MCP_GREETING", "PATH") if name in os.environ]
    return f"cwd={os.path.basename(os.getcwd())} env={','.join(seen)} greeting={os.environ.get('MCP_GREETING', '')}"


def shout(text: str) -> str:
    """Says the text back, loudly."""
    return text.upper()


@server.tool()
async def grow(ctx: Context) -> str:
    """Adds the tool shout, and tells the client the tool list changed."""
    server.add_tool(shout)
    # The notifications/tools/list_changed of protocol 2025-06-18 (mcp 2.x also publishes
    # the event to its newer subscriptions/listen subscribers).
    await ctx.session.send_tool_list_changed()
    if hasattr(ctx, "notify_tools_changed"):
        await ctx.notify_tools_changed()
    return "grown"


@server.tool()
def crash() -> str:
    """Exits the server process at once."""
    log("crash")
    os._exit(3)


if __name__ == "__main__":
    if "--http" in sys.argv:
        port = int(sys.argv[sys.argv.index("--http") + 1])
        json_response = "--json" in sys.argv
        if hasattr(server, "run_streamable_http_async"):
            import anyio

            try:
                anyio.run(lambda: server.run_streamable_http_async(host="127.0.0.1", port=port, json_response=json_response))
            except TypeError:
                server.settings.port = port
                server.settings.json_response = json_response
                server.run("streamable-http")
        else:
            server.settings.port = port
            server.settings.json_response = json_response
            server.run("streamable-http")
    else:
        server.run()

from xiaodian.core.sockets import FrameConsumer


class PingConsumer(FrameConsumer):
    """A liveness check for the websocket stack: answers each JSON object (`type` absent or
    "ping") with pong; a bad frame gets an error frame, like every socket's."""

    frame_types = frozenset({"ping"})
    default_type = "ping"

    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "pong", "echo": content.get("echo")})

"""One route per address with every method it answers, so a 405's ``Allow`` lists them all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

Endpoint = Callable[[Request], Awaitable[Response]]


class Resource(Route):
    """A route whose 405 names the allowed methods in the order they were declared, the same
    in every process (Starlette keeps them in a set, whose order changes from run to run)."""

    def __init__(self, path: str, endpoint: Endpoint, methods: list[str]) -> None:
        super().__init__(path, endpoint, methods=methods)
        self.allow = ", ".join(methods)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.methods and scope["method"] not in self.methods:
            raise HTTPException(status_code=405, headers={"Allow": self.allow})
        await super().handle(scope, receive, send)


def resource(path: str, **handlers: Endpoint) -> Route:
    """``resource("/x/{id}", GET=show, POST=change)``: a HEAD is answered as the GET."""
    by_method = {method.upper(): handler for method, handler in handlers.items()}
    if "GET" in by_method:
        by_method.setdefault("HEAD", by_method["GET"])

    async def endpoint(request: Request) -> Response:
        return await by_method[request.method](request)

    return Resource(path, endpoint, list(by_method))

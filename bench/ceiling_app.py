"""The ceiling for the registration load test: a Starlette endpoint that does nothing."""
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


async def accept(request):
    await request.body()
    return JSONResponse({"status": "ok"}, status_code=201)


app = Starlette(routes=[Route("/r/{site_id}/{page_id}", accept, methods=["POST"])])

"""How refusals and failures are answered: JSON for scripts, a short page for browsers, and
never a traceback (the operator finds it in the log)."""

from __future__ import annotations

import logging
from html import escape

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger("registration_api")

_PAGES = {
    400: ("Запрос не прочитан", "Браузер отправил то, что мы не можем прочитать. Откройте страницу заново."),
    403: ("Доступ запрещён", "Этот запрос отсюда не принимается."),
    404: ("Страница не найдена", "Такой страницы нет. Проверьте адрес."),
    405: ("Так нельзя", "Эта страница не принимает такой запрос."),
    408: ("Запрос не дошёл", "Данные шли слишком долго. Проверьте связь и отправьте форму ещё раз."),
    413: ("Слишком большой запрос", "Форма содержит больше данных, чем нужно. Проверьте поля и отправьте её снова."),
    415: ("Запрос не прочитан", "Форма отправлена в формате, который мы не принимаем."),
    422: ("Проверьте данные", "Некоторые поля заполнены неверно."),
    429: ("Слишком много попыток", "С вашего адреса пришло много запросов подряд. Подождите минуту."),
    500: ("Что-то пошло не так", "У нас произошла ошибка. Мы уже знаем о ней; попробуйте позже."),
}


def wants_json(request: Request) -> bool:
    """A script (it asks for JSON, or calls the partner API), not a person with a browser."""
    return "application/json" in request.headers.get("accept", "") or request.url.path.startswith("/api/")


def refusal(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """``{"error": message}`` for a script, a short page for a browser."""
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    title, text = _PAGES.get(status, _PAGES[400])
    response = plain_page(status, title, text)
    response.headers.update(headers or {})
    return response


async def http_error(request: Request, exc: HTTPException) -> Response:
    """Starlette's and the endpoints' refusals (404, 405, 400, 408, 413, 415, 422, 429)."""
    return refusal(request, exc.status_code, exc.detail, exc.headers)


async def server_error(request: Request, exc: Exception) -> Response:
    """Anything unexpected: a short answer to the client, the traceback to the operator's log."""
    log.error("500 for %s %s", request.method, request.url.path, exc_info=exc)
    return refusal(request, 500, "the service failed to answer; the operator has the details in the log")


def plain_page(status: int, title: str, text: str) -> Response:
    """A page for when no partner is known (an unknown site, code or link)."""
    return Response(
        f'<!doctype html><html lang="ru"><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
        f'<main style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem">'
        f"<h1>{escape(title)}</h1><p>{escape(text)}</p></main></html>",
        status_code=status,
        media_type="text/html; charset=utf-8",
    )

"""HTTP to OpenAI-compatible servers (a model server, an embedding server): the base URL,
a client, and requests retried with backoff while the server cannot be reached or answers
429 or 5xx. Each caller turns the failures into its own error."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import httpx

log = logging.getLogger(__name__)

RETRIES = 3  # attempts after the first
BACKOFF_S = 0.5  # doubled after each attempt
RETRY_STATUSES = (429, 500, 502, 503, 504)


def base_url(url: str) -> str:
    """``http://host:port`` or ``http://host:port/v1``: the latter."""
    url = url.rstrip("/")
    return url if url.endswith("/v1") else f"{url}/v1"


def client(api_key: str | None, timeout_s: float) -> httpx.Client:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    return httpx.Client(headers=headers, timeout=httpx.Timeout(timeout_s, connect=10.0), trust_env=False)


def with_retries(
    send: Callable[[], httpx.Response],
    retries: int,
    unreachable: Callable[[Exception], Exception],
    refused: Callable[[httpx.Response], Exception],
) -> httpx.Response:
    """The first answer under 400 of ``send()``; a transport failure or a 429/5xx is tried
    again ``retries`` times, after 0.5, 1, 2... s. A streamed response is read before it is
    refused (its body is the server's reason) and closed before it is retried."""
    delay = BACKOFF_S
    for attempt in range(retries + 1):
        try:
            response = send()
        except httpx.TransportError as exc:
            if attempt == retries:
                raise unreachable(exc) from exc
        else:
            if response.status_code < 400:
                return response
            response.read()
            if response.status_code not in RETRY_STATUSES or attempt == retries:
                raise refused(response)
            response.close()
        log.warning("attempt %d failed; retrying in %.1f s", attempt + 1, delay)
        time.sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")  # the loop returns or raises

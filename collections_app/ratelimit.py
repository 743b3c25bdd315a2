"""A small fixed-window rate limiter on the shared cache, and the client's address.

Each (scope, key) gets a counter per window of FIELDVISIT_RATE_WINDOW_SECONDS; the first
request of a window creates it, every request increments it, and more than `limit` in one
window is refused until the next window starts. The counters live in the default cache:
with CACHE_URL/REDIS_URL set every web process counts together (Redis INCR is atomic);
without it each process counts alone, which is good enough for `make run`. When the
cache cannot be reached the limits are not applied (logged), rather than failing the page.
"""

import hashlib
import logging
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    """One limit to apply: `limit` requests per window for this scope and key (0: off)."""

    scope: str
    key: str
    limit: int


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind FIELDVISIT_TRUSTED_PROXY_COUNT proxies
    the address the outermost trusted proxy saw (X-Forwarded-For, counted from the right,
    since a client can put anything at its left)."""
    proxies = getattr(settings, "FIELDVISIT_TRUSTED_PROXY_COUNT", 0)
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if proxies > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return remote


def hit(limits: list[Limit], *, now: float | None = None) -> int | None:
    """Count one request against each limit; the seconds until the window ends when one of
    them is exceeded, else None."""
    window = settings.FIELDVISIT_RATE_WINDOW_SECONDS
    now = time.time() if now is None else now
    index = int(now // window)
    retry_after = window - int(now % window)
    exceeded = False
    for limit in limits:
        if limit.limit <= 0:
            continue
        # Hashed: keys may be long (a signed link) or carry characters memcached refuses.
        digest = hashlib.sha256(limit.key.encode()).hexdigest()[:32]
        cache_key = f"fv:rl:{limit.scope}:{digest}:{index}"
        try:
            count = _count(cache_key, timeout=window + 5)
        except Exception:  # noqa: BLE001  (any cache failure)
            # The cache (Redis) is down: serve the request rather than fail the page.
            logger.warning("Rate limit not applied: the cache is unreachable.", exc_info=True)
            return None
        if count > limit.limit:
            exceeded = True
    return retry_after if exceeded else None


def _count(cache_key: str, *, timeout: int) -> int:
    # add() is a no-op when the counter exists; the timeout outlives the window a little.
    cache.add(cache_key, 0, timeout=timeout)
    try:
        return cache.incr(cache_key)
    except ValueError:  # evicted between add and incr: count this request alone
        cache.set(cache_key, 1, timeout=timeout)
        return 1


def rate_limited(limits, refuse):
    """Decorate a view: `limits(request, **kwargs)` names the limits that apply,
    `refuse(request, retry_after)` answers when one is exceeded (a 429 with Retry-After)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            retry_after = hit(limits(request, **kwargs))
            if retry_after is not None:
                response = refuse(request, retry_after)
                response["Retry-After"] = str(retry_after)
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator

"""Drive the journey's pages without a real browser (tests, notebooks): what clicks would do.

:class:`Browser` wraps an ``httpx.AsyncClient`` whose cookie jar plays the browser's (cookies per
host), follows redirects **by hand** so every hop is visible, and records each exchange
(:class:`Exchange`: method, URL, status, ``Location``, cookies set) for notebooks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import urlsplit

import httpx

__all__ = ["Browser", "Exchange", "csrf_of", "form_action", "slot_links"]

_LINK = re.compile(r'<a class="slot[^"]*" href="([^"]+)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_ACTION = '<form method="post" action="([^"]+)" aria-label="{}"'
_SESSION_CODE = re.compile(r'name="session_code" value="([^"]+)"')
_PSC_ACTION = re.compile(r'<form[^>]*method="post" action="([^"]+)"')


@dataclass(frozen=True)
class Exchange:
    method: str
    url: str
    status: int
    location: str | None
    cookies: tuple[str, ...]  # names of the cookies the answer sets
    content_type: str

    def line(self, width: int = 110) -> str:
        url = self.url if len(self.url) <= width else self.url[: width - 1] + "…"
        where = f"  → {self.location[:width]}" if self.location else ""
        cookies = f"  set-cookie: {', '.join(self.cookies)}" if self.cookies else ""
        return f"{self.method:4} {url}  {self.status}{where}{cookies}"


@dataclass
class Browser:
    http: httpx.AsyncClient
    log: list[Exchange] = field(default_factory=list)
    max_hops: int = 15

    def _record(self, response: httpx.Response) -> None:
        cookies = tuple(
            v.split("=", 1)[0] for k, v in response.headers.multi_items() if k == "set-cookie"
        )
        self.log.append(
            Exchange(
                response.request.method,
                str(response.request.url),
                response.status_code,
                response.headers.get("location"),
                cookies,
                response.headers.get("content-type", "").split(";")[0],
            )
        )

    async def request(
        self, method: str, url: str, *, data: Mapping[str, str] | None = None
    ) -> httpx.Response:
        response = await self.http.request(method, url, data=data, headers={"Accept": "text/html"})
        self._record(response)
        return response

    async def follow(
        self, url: str, *, method: str = "GET", data: Mapping[str, str] | None = None
    ) -> tuple[httpx.Response, str]:
        """Request ``url`` and follow 302/303 by hand; the last answer and its URL."""
        response = await self.request(method, url, data=data)
        for _ in range(self.max_hops):
            if response.status_code not in (301, 302, 303, 307):
                break
            url = str(httpx.URL(url).join(response.headers["location"]))
            response = await self.request("GET", url)
        return response, url

    async def login_with_psc(self, sas_root: str, persona: str) -> tuple[httpx.Response, str]:
        """SAS ``/login`` → PSC authorize page → click ``persona``'s button → back to the SAS.

        Returns the page the SAS finally shows and its URL."""
        start = await self.request("GET", f"{sas_root}/login")
        authorize = str(httpx.URL(f"{sas_root}/login").join(start.headers["location"]))
        page = await self.request("GET", authorize)
        code, action = _SESSION_CODE.search(page.text), _PSC_ACTION.search(page.text)
        if page.status_code != 200 or code is None or action is None:
            raise LookupError(f"no PSC login page at {authorize} ({page.status_code})")
        target = str(httpx.URL(authorize).join(unescape(action.group(1))))
        data = {"session_code": unescape(code.group(1)), "persona": persona}
        return await self.follow(target, method="POST", data=data)

    def rows(self, since: int = 0) -> list[dict[str, object]]:
        """The exchanges from index ``since`` as table rows (notebooks: ``pd.DataFrame``)."""
        return [
            {
                "method": e.method,
                "url": e.url if len(e.url) <= 90 else e.url[:89] + "…",
                "status": e.status,
                "location": (e.location or "")[:70],
                "set-cookie": ", ".join(e.cookies),
                "content-type": e.content_type,
            }
            for e in self.log[since:]
        ]

    def hosts(self) -> list[str]:
        return list(dict.fromkeys(urlsplit(e.url).netloc for e in self.log))


def slot_links(html: str) -> list[str]:
    """The booking links of a SAS results page (``Slot.comment`` + ``origin=sas``)."""
    return [unescape(u) for u in _LINK.findall(html)]


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    if found is None:
        raise LookupError("no CSRF token on the page")
    return unescape(found.group(1))


def form_action(html: str, page_url: str, label: str = "Patient") -> str:
    """The absolute URL the form named ``label`` (the booking form by default) posts to."""
    found = re.search(_ACTION.format(re.escape(label)), html)
    if found is None:
        raise LookupError(f"no form {label!r} on the page")
    return str(httpx.URL(page_url).join(unescape(found.group(1))))

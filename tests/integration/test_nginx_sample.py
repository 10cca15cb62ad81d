"""deploy/nginx.conf, as the README's production guide hands it out, in a real nginx in front
of ``congressflow serve --workers 2`` configured by deploy/congressflow.env.example's proxy
lines: nginx accepts the file, HTTP goes to HTTPS, a sign-in and a token request pass through,
the app sees the HTTPS scheme, the name the client used and the client's address (not one the
client wrote into X-Forwarded-For), a sign-in works on a port other than 443, /metrics stays
inside, a body over the app's limit gets the app's page and one over the proxy's a page of the
sample's own, and the sign-in posts' rate limit holds (never the page's views). Only what a
deployment must change is changed: ports, certificate and include paths (and, since nginx is
not installed as a service here, its own temp folders).

nginx is the machine's, or Debian's unpacked by scripts/ensure-nginx.sh (make test); without
it the test skips, unless CONGRESSFLOW_REQUIRE_NGINX=1 (CI) makes it fail."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy.orm import sessionmaker

from engine.access import OPERATOR
from engine.usecases import tokens
from tests.conftest import REPO_ROOT
from tests.servers import congressflow_process, free_port
from tests.world import PASSWORD, build_world

from .scheduler_helpers import wait_for

pytestmark = pytest.mark.slow

SAMPLE = REPO_ROOT / "deploy" / "nginx.conf"
ENV_SAMPLE = REPO_ROOT / "deploy" / "congressflow.env.example"
HOST = "flow.example.gov.cn"  # the sample's server_name


def nginx_binary() -> str | None:
    for found in (shutil.which("nginx"), "/usr/sbin/nginx", str(REPO_ROOT / ".nginx/usr/sbin/nginx")):
        if found and os.access(found, os.X_OK):
            return found
    return None


def proxy_params(sample: str) -> str:
    """The file the sample includes, as its closing comment writes it out."""
    block = sample.split("# /etc/nginx/congressflow_proxy_params", 1)[1]
    lines = [line[2:] for line in block.splitlines() if line.startswith("#   ")]
    return "\n".join(lines) + "\n"


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


def site_config(sample: str, *, http: int, https: int, app: int, tls: Path, params: Path) -> str:
    """The sample with what a deployment changes changed, and each change checked to apply;
    loopback only (its IPv6 lines left out on a machine without IPv6)."""
    v6 = "[::1]" if ipv6_loopback() else None
    changes = [
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("listen [::]:80;", f"listen {v6}:{http};" if v6 else "# no IPv6 here"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
        ("listen [::]:443 ssl http2;", f"listen {v6}:{https} ssl http2;" if v6 else "# no IPv6 here"),
        ("server 127.0.0.1:5000", f"server 127.0.0.1:{app}"),
        ("/etc/ssl/congressflow/fullchain.pem", str(tls / "cert.pem")),
        ("/etc/ssl/congressflow/privkey.pem", str(tls / "key.pem")),
        ("/etc/nginx/congressflow_proxy_params", str(params)),
    ]
    for old, new in changes:
        assert old in sample, f"deploy/nginx.conf no longer has {old!r}: update this test with it"
        sample = sample.replace(old, new)
    return sample


def main_config(nginx: str, prefix: Path, site: Path) -> str:
    """nginx.conf around the site, as Debian's /etc/nginx/nginx.conf includes conf.d/; the
    temp folders the binary was built with (under /var/lib/nginx) in the test's folder."""
    built = subprocess.run([nginx, "-V"], capture_output=True, text=True).stderr
    kinds = [kind.replace("-", "_") for kind in re.findall(r"--http-([a-z-]+)-temp-path=", built)]
    temp = "\n".join(f"    {kind}_temp_path {prefix / kind};" for kind in kinds)
    user = "user root;\n" if os.geteuid() == 0 else ""  # its workers must reach the test's folder
    return (
        f"{user}pid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'};\nevents {{}}\n"
        f"http {{\n    access_log {prefix / 'access.log'};\n{temp}\n    include {site};\n}}\n"
    )


def self_signed(folder: Path) -> None:
    request = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={HOST}"]
    names = ["-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1"]
    files = ["-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")]
    subprocess.run(request + names + files, check=True, capture_output=True)


def app_environment(db_url: str, instance: Path) -> dict[str, str]:
    """The environment of the served app: the sample env file's proxy lines, a test database."""
    sample = dict(re.findall(r"^(CONGRESSFLOW_[A-Z_]+)=(.*)$", ENV_SAMPLE.read_text(), re.MULTILINE))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONGRESSFLOW_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env | {
        "CONGRESSFLOW_PROXY_HOPS": sample["CONGRESSFLOW_PROXY_HOPS"],
        "CONGRESSFLOW_SESSION_COOKIE_SECURE": sample["CONGRESSFLOW_SESSION_COOKIE_SECURE"],
        "CONGRESSFLOW_DATABASE_URL": db_url,
        "CONGRESSFLOW_INSTANCE_PATH": str(instance),
        "CONGRESSFLOW_SECRET_KEY": "nginx-sample-test-" + "k" * 32,
        # each worker counts its own sign-ins (no Redis here): three wrong passwords a minute
        # from one address, a fourth refused; the per-account limit left far above
        "CONGRESSFLOW_RATELIMIT_STORAGE_URI": "memory://",
        "CONGRESSFLOW_SIGNIN_LIMITS_PER_ADDRESS": "3 per minute",
        "CONGRESSFLOW_SIGNIN_LIMITS_PER_ACCOUNT": "100 per minute",
    }


class Browser:
    """HTTPS to nginx on loopback, for the sample's server name (the Host header: ``host``, with
    a port when the browser's address has one), from ``client`` (a loopback address of its own
    is a client nginx has not counted yet), keeping the session cookie."""

    def __init__(self, port: int, tls: Path, host: str = HOST, client: str = "127.0.0.1"):
        self.port = port
        self.host = host
        self.client = client
        self.context = ssl.create_default_context(cafile=str(tls / "cert.pem"))
        self.cookies: dict[str, str] = {}
        self.cookie_flags: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | bytes = "", headers: dict[str, str] | None = None):
        conn = http.client.HTTPSConnection(
            "127.0.0.1", self.port, context=self.context, timeout=30, source_address=(self.client, 0)
        )
        sent = {"Host": self.host, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body or None, headers=sent)
        response = conn.getresponse()
        text = response.read().decode(errors="replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
                self.cookie_flags[name] = header
        conn.close()
        return response.status, response.headers, text

    def form_token(self) -> str:
        status, _, page = self.request("GET", "/login")
        assert status == 200, page
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]

    def sign_in(self, token: str, username: str, password: str, spoofed: str | None = None, referrer: bool = True):
        """The sign-in form posted as a browser posts it: from the page itself (Referer)."""
        body = urlencode({"csrf_token": token, "username": username, "password": password})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if referrer:
            headers["Referer"] = f"https://{self.host}/login"
        if spoofed:
            headers["X-Forwarded-For"] = spoofed
        return self.request("POST", "/login", body, headers)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_sample_nginx_config_in_front_of_two_workers(db_url, session_factory: sessionmaker, tmp_path: Path):
    nginx = nginx_binary()
    if nginx is None or shutil.which("openssl") is None:
        if os.environ.get("CONGRESSFLOW_REQUIRE_NGINX") == "1":
            pytest.fail("nginx or openssl is missing (scripts/ensure-nginx.sh unpacks Debian's nginx)")
        pytest.skip("nginx or openssl is not installed (scripts/ensure-nginx.sh)")
    build_world(session_factory, "office1")
    with session_factory.begin() as s:
        secret = tokens.create_token(s, OPERATOR, "office1", "nginx test").secret

    tls, prefix = tmp_path / "tls", tmp_path / "nginx"
    tls.mkdir()
    prefix.mkdir()
    self_signed(tls)
    http_port, https_port, app_port = free_port(), free_port(), free_port()
    sample = SAMPLE.read_text()
    params = prefix / "congressflow_proxy_params"
    params.write_text(proxy_params(sample))
    site = prefix / "congressflow.conf"
    site.write_text(site_config(sample, http=http_port, https=https_port, app=app_port, tls=tls, params=params))
    main = prefix / "nginx.conf"
    main.write_text(main_config(nginx, prefix, site))
    nginx_command = [nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(main)]

    checked = subprocess.run([*nginx_command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr  # nginx accepts the sample as it is handed out

    log = tmp_path / "serve.log"
    args = ["serve", "--workers", "2", "--threads", "2", "--no-scheduler", "--port", str(app_port)]
    with (
        congressflow_process(args, app_environment(db_url, tmp_path / "instance"), log),
        nginx_process([*nginx_command, "-g", "daemon off;"]),
    ):
        browser = Browser(https_port, tls)
        assert wait_for(lambda: _status(browser, "/healthz") == 200, 60), log.read_text()

        # plain HTTP goes to HTTPS, with the name the client asked for
        conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        conn.request("GET", "/login?next=/inbox", headers={"Host": HOST})
        answer = conn.getresponse()
        assert (answer.status, answer.headers["Location"]) == (301, f"https://{HOST}/login?next=/inbox")

        # the app knows the request came over HTTPS (X-Forwarded-Proto) for the name the client
        # used (Host): like every HTTPS form post it wants to come from a page of that name
        token = browser.form_token()
        status, _, page = browser.sign_in(token, "office1", PASSWORD, referrer=False)
        assert status == 400 and 'data-code="csrf"' in page
        # a sign-in through the proxy: the session cookie only ever travels over HTTPS
        status, headers, page = browser.sign_in(token, "office1", PASSWORD)
        assert status == 302, page
        assert headers["Strict-Transport-Security"] == "max-age=31536000"
        session_cookie = next(name for name in browser.cookies if "session" in name)
        assert "Secure" in browser.cookie_flags[session_cookie]
        status, _, page = browser.request("GET", "/")
        assert status == 200 and "office1" in page

        # served on another port than 443 (a township intranet's 8443), the browser's page and
        # its form posts carry that port: the app must see it in the host too
        on_a_port = Browser(https_port, tls, host=f"{HOST}:{https_port}")
        status, _, page = on_a_port.sign_in(on_a_port.form_token(), "office1", PASSWORD)
        assert status == 302, page

        # a token passes through (Authorization is not dropped)
        status, _, body = browser.request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert status == 200 and '"username":"office1"' in body.replace(" ", "")

        # the figures stay inside: nginx answers, the app is not asked
        status, _, body = browser.request("GET", "/metrics")
        assert status == 404 and "nginx" in body

        # the server counts sign-ins by the address nginx saw, not the one a client claims:
        # wrong passwords under seven made-up addresses are still one address's, so one of the
        # two workers (three a minute each) refuses
        anonymous = Browser(https_port, tls)
        token = anonymous.form_token()
        answers = [
            _refused_by(*anonymous.sign_in(token, f"nobody{n}", "wrong-password", spoofed=f"203.0.113.{n}"))
            for n in range(7)
        ]
        assert 429 in [status for status, _ in answers], answers
        assert {status for status, _ in answers} <= {200, 400, 401, 429}, answers
        assert all(page_of_the_app for status, page_of_the_app in answers if status == 429), answers

        # a body over the app's limit (12 MB) but under the proxy's reaches the app, which
        # answers with its own page; one over the proxy's never reaches it
        status, _, page = browser.request("POST", "/cases/1/attachments", *upload(13 * 1024 * 1024))
        assert status == 413 and APP_413 in page, page
        status, page = announced_body(browser, 21 * 1024 * 1024)
        assert status == 413 and "文件太大" in page and "附件不能超过 10 MB" in page and APP_413 not in page, page

        # nginx's own limit on sign-in posts (30 a minute, 10 at once beyond that), from a client
        # it has not counted yet: showing the page is never limited
        office = Browser(https_port, tls, client="127.0.0.2")
        assert [_status(office, "/login") for _ in range(15)] == [200] * 15
        posts = [office.request("POST", "/login", "username=x", FORM) for _ in range(12)]
        statuses = [status for status, _, _ in posts]
        assert statuses == [400] * 11 + [429], statuses  # the app refuses a post without its token
        assert "从这个地址提交的登录过于频繁" in posts[-1][2], posts[-1][2]
    assert "[emerg]" not in (prefix / "error.log").read_text()


@contextmanager
def nginx_process(command: list[str]) -> Iterator[None]:
    """nginx in the foreground (its messages go to its error.log), stopped gracefully (SIGQUIT)."""
    proxy = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        proxy.send_signal(signal.SIGQUIT)
        proxy.wait(30)


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
APP_413 = 'class="card narrow error-page" data-status="413"'  # the app's own page (web/errors.py)


def upload(size: int) -> tuple[bytes, dict[str, str]]:
    """An attachment form of a file of ``size`` bytes, as a browser posts it."""
    boundary = "congressflow-nginx-test"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="scan.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    )
    body = head.encode() + b"x" * size + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def announced_body(browser: Browser, size: int) -> tuple[int, str]:
    """A post announcing a body of ``size`` bytes, answered before any of it is sent."""
    conn = http.client.HTTPSConnection("127.0.0.1", browser.port, context=browser.context, timeout=10)
    conn.putrequest("POST", "/cases/1/attachments", skip_host=True)
    conn.putheader("Host", HOST)
    conn.putheader("Content-Length", str(size))
    conn.endheaders()
    answer = conn.getresponse()
    return answer.status, answer.read().decode(errors="replace")


def _refused_by(status: int, _headers, page: str) -> tuple[int, bool]:
    """The status, and whether the app's own page says it (not nginx's)."""
    return status, 'class="card narrow error-page"' in page


def _status(browser: Browser, path: str) -> int:
    try:
        return browser.request("GET", path)[0]
    except OSError:
        return 0

"""A real RabbitMQ for the tests: the system package's server, started on 127.0.0.1 on free
ports with the management plugin, its own node name, epmd port and directories under a
temporary folder (owned by the `rabbitmq` user, which the server runs as), and stopped at
the end. Used by tests/test_drift_live.py through the `rabbitmq` fixture in conftest.py.

The server is only started from the package's files (/usr/lib/rabbitmq); nothing is
installed here: scripts/test.sh installs `rabbitmq-server` when it is missing.
"""

from __future__ import annotations

import base64
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
HOW_TO_RUN = ("RabbitMQ tests need the rabbitmq-server system package and root (the server drops to the "
              "`rabbitmq` user): run scripts/test.sh as root, or `apt-get install rabbitmq-server` and run "
              "pytest as root")
USER, PASSWORD = "msgarch-test", "s3cret-not-shown"


def unavailable() -> str | None:
    """Why the broker cannot be started here (None: it can)."""
    if not os.path.exists(SERVER):
        return f"{SERVER} is missing. {HOW_TO_RUN}"
    if os.geteuid() != 0:
        return f"not root. {HOW_TO_RUN}"
    try:
        pwd.getpwnam("rabbitmq")
    except KeyError:
        return f"no `rabbitmq` user. {HOW_TO_RUN}"
    if shutil.which("epmd") is None and not _erts_epmd():
        return f"epmd (erlang-base) is missing. {HOW_TO_RUN}"
    return None


def _erts_epmd() -> str | None:
    import glob

    found = sorted(glob.glob("/usr/lib/erlang/erts-*/bin/epmd"))
    return found[-1] if found else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Broker:
    amqp_port: int
    management_port: int
    base: str
    process: subprocess.Popen
    epmd: subprocess.Popen | None
    log: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.management_port}"

    @property
    def url_with_credentials(self) -> str:
        return f"http://{USER}:{PASSWORD}@127.0.0.1:{self.management_port}"

    def api(self, method: str, path: str, body=None, expect=(200, 201, 204)):
        request = urllib.request.Request(self.url + path, method=method,
                                         data=None if body is None else json.dumps(body).encode())
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        request.add_header("Content-Type", "application/json")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=30) as response:
                status, data = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, data = exc.code, exc.read()
        if status not in expect:
            raise AssertionError(f"{method} {path}: HTTP {status}: {data[:500]!r}")
        return json.loads(data) if data else None

    def stop(self) -> None:
        for process in (self.process, self.epmd):
            if process is None or process.poll() is not None:
                continue
            try:
                os.killpg(process.pid, signal.SIGTERM)  # the group this fixture started
            except ProcessLookupError:
                continue
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        shutil.rmtree(self.base, ignore_errors=True)


def start(base: str, timeout: float = 90.0) -> Broker:
    """Start a node under ``base`` (a fresh directory); raise with its log if it does not answer."""
    account = pwd.getpwnam("rabbitmq")
    os.makedirs(base, exist_ok=True)
    for sub in ("mnesia", "log", "home"):
        os.makedirs(os.path.join(base, sub), exist_ok=True)
    plugins = os.path.join(base, "enabled_plugins")
    with open(plugins, "w", encoding="utf-8") as handle:
        handle.write("[rabbitmq_management].\n")
    config = os.path.join(base, "rabbitmq")  # rabbitmq.conf (RABBITMQ_CONFIG_FILE takes no suffix)
    with open(config + ".conf", "w", encoding="utf-8") as handle:
        handle.write("loopback_users = none\n")
    for folder, _dirs, files in os.walk(base):
        os.chown(folder, account.pw_uid, account.pw_gid)
        for name in files:
            os.chown(os.path.join(folder, name), account.pw_uid, account.pw_gid)
    os.chmod(base, 0o700)
    amqp, dist, management, epmd_port = free_port(), free_port(), free_port(), free_port()
    node = f"msgarch-test-{os.getpid()}-{amqp}@localhost"
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": os.path.join(base, "home"),
        "LANG": "C.UTF-8",
        "ERL_EPMD_PORT": str(epmd_port),
        "ERL_EPMD_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODENAME": node,
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(amqp),
        "RABBITMQ_DIST_PORT": str(dist),
        "RABBITMQ_MNESIA_BASE": os.path.join(base, "mnesia"),
        "RABBITMQ_LOG_BASE": os.path.join(base, "log"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": plugins,
        "RABBITMQ_CONFIG_FILE": config,
        "RABBITMQ_DEFAULT_USER": USER,
        "RABBITMQ_DEFAULT_PASS": PASSWORD,
        "RABBITMQ_SERVER_START_ARGS": (f"-rabbitmq_management tcp_config [{{port,{management}}},"
                                       f"{{ip,\"127.0.0.1\"}}] -kernel inet_dist_use_interface {{127,0,0,1}}"),
    }
    log = os.path.join(base, "server.out")
    epmd_binary = shutil.which("epmd") or _erts_epmd()

    def drop():
        os.setgid(account.pw_gid)
        os.setuid(account.pw_uid)

    epmd = subprocess.Popen([epmd_binary, "-port", str(epmd_port), "-address", "127.0.0.1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=drop,
                            start_new_session=True, cwd=os.path.join(base, "home"))
    with open(log, "wb") as out:
        process = subprocess.Popen([SERVER], env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=drop,
                                   start_new_session=True, cwd=os.path.join(base, "home"))
    broker = Broker(amqp, management, base, process, epmd, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            broker.api("GET", "/api/overview")
            return broker
        except (AssertionError, OSError):
            time.sleep(0.5)
    text = open(log, encoding="utf-8", errors="replace").read()[-3000:]
    broker.stop()
    raise RuntimeError(f"RabbitMQ did not answer on 127.0.0.1:{management} within {timeout:.0f} s:\n{text}")

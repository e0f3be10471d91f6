"""A live `multiproc serve` for the tests, and what they share: paths, waiting on conditions.

If MULTIPROC_SERVICE_JOURNAL names the journal of a running service, shared() uses it; otherwise it
starts `java -jar <repo>/target/multiproc.jar serve --journal <tmpdir>` and stops it (SIGTERM) at the
end. Tests that kill the service always start a private one.
"""

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Callable, List, Optional

TESTS = os.path.dirname(os.path.abspath(__file__))
PLUGIN_ROOT = os.path.dirname(TESTS)
REPO = os.path.dirname(os.path.dirname(PLUGIN_ROOT))
SRC = os.path.join(PLUGIN_ROOT, "src")
JAR = os.environ.get("MULTIPROC_JAR", os.path.join(REPO, "target", "multiproc.jar"))
# How to run multiproc: `java -jar JAR` by default; MULTIPROC_COMMAND (words split as a shell would) replaces it,
# as the Maven test that runs this suite does with its own class path.
COMMAND = shlex.split(os.environ["MULTIPROC_COMMAND"]) if os.environ.get("MULTIPROC_COMMAND") else ["java", "-jar", JAR]
RUN_SHELL = os.path.join(TESTS, "run_shell")

if SRC not in sys.path:
    sys.path.insert(0, SRC)


def wait_until(condition: Callable[[], object], timeout: float = 60.0, what: str = "the condition") -> object:
    """Polls condition until it returns something truthy; fails after timeout seconds."""
    deadline = time.monotonic() + timeout
    pause = 0.02
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


def sh(command: str) -> str:
    """A shell command as the one word that run_shell (the stand-in worker_node_entry_point) runs."""
    return shlex.quote(command)


def read_service_file(journal: str) -> Optional[dict]:
    try:
        with open(os.path.join(journal, "service.json"), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


class LiveService:
    """One `multiproc serve` process over a journal directory."""

    def __init__(self, journal: Optional[str] = None) -> None:
        self.owned = journal is None
        self._tmp = tempfile.mkdtemp(prefix="multiproc-jobmon-test-") if self.owned else None
        self.journal = os.path.join(self._tmp, "journal") if self._tmp else os.path.abspath(journal)
        self.proc: Optional[subprocess.Popen] = None
        self._log = None

    @property
    def workdir(self) -> str:
        """A directory for the tests' files (beside an owned journal, else a fresh temporary one)."""
        if self._tmp is None:
            self._tmp = tempfile.mkdtemp(prefix="multiproc-jobmon-test-")
        return self._tmp

    def start(self, timeout: float = 120.0, port: int = 0) -> "LiveService":
        """Starts the service (-j 4), on `port` if given; returns once it answers /info."""
        if not self.owned:
            wait_until(self.answers, timeout, f"the service of {self.journal} to answer /info")
            return self
        if COMMAND[-1] == JAR and not os.path.isfile(JAR):
            raise RuntimeError(f"{JAR} does not exist: build it with `mvn -B -q -DskipTests package` "
                               "(or set MULTIPROC_SERVICE_JOURNAL to the journal of a running service)")
        os.makedirs(self.journal, exist_ok=True)
        before = read_service_file(self.journal)
        if self._log is None:
            self._log = open(os.path.join(self.workdir, "service.log"), "ab")
        command = COMMAND + ["serve", "--journal", self.journal, "-j", "4"]
        if port:
            command += ["--port", str(port)]
        # the service gets none of the tests' JOBMON__ variables: tasks must get them from the plugin
        environment = {k: v for k, v in os.environ.items() if not k.startswith("JOBMON__")}
        self.proc = subprocess.Popen(command, env=environment,
                                     stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)

        def ready() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"multiproc serve exited with {self.proc.returncode}; see {self._log.name}")
            data = read_service_file(self.journal)
            return bool(data) and data != before and data.get("pid") == self.proc.pid and self.answers()

        wait_until(ready, timeout, "multiproc serve to write service.json and answer /info")
        return self

    def answers(self) -> bool:
        data = read_service_file(self.journal)
        if not data:
            return False
        request = urllib.request.Request(data["url"] + "/v1/info",
                                         headers={"Authorization": "Bearer " + data["token"]})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        assert self.proc is not None, "only a service the tests started can be killed"
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM and wait; SIGKILL if it does not end in 60 s. Leaves no process of the journal behind."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.owned:
            try:
                wait_until(lambda: not processes_mentioning(self.workdir), 15, "the journal's processes to end")
            except AssertionError:
                pass
            left = processes_mentioning(self.workdir)
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if left:
                raise AssertionError(f"processes of journal {self.journal} outlived its service: {left}")

    def cleanup(self) -> None:
        if self._tmp is not None and os.environ.get("MULTIPROC_KEEP_TEST_FILES") is None:
            shutil.rmtree(self._tmp, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_mentioning(text: str) -> List[int]:
    """Pids of live processes whose command line or environment contains text (ours excluded)."""
    found = []
    needle = text.encode()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read()
            with open(f"/proc/{name}/environ", "rb") as f:
                environ = f.read()
            with open(f"/proc/{name}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if state != b"Z" and (needle in cmdline or needle in environ):
            found.append(int(name))
    return found


_shared: Optional[LiveService] = None


def shared() -> LiveService:
    """The service that most tests share (started on first use; stop it with release())."""
    global _shared
    if _shared is None:
        given = os.environ.get("MULTIPROC_SERVICE_JOURNAL")
        _shared = LiveService(given).start()
    return _shared


def release() -> None:
    global _shared
    if _shared is not None:
        service, _shared = _shared, None
        try:
            service.stop()
        finally:
            service.cleanup()


class AnswerDroppingProxy:
    """An HTTP proxy in front of a service that forwards the first `drop` submits (POST /v1/tasks) and
    then closes the client's connection instead of relaying the answer: a lost answer, for real."""

    def __init__(self, journal: str, drop: int = 1) -> None:
        import http.client
        import http.server
        import threading

        target = read_service_file(journal)
        self.token = target["token"]
        self.submits: List[dict] = []
        self.stopped: List[str] = []
        self._drop = drop
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                conn = http.client.HTTPConnection(target["url"].split("//", 1)[1], timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type")}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                response = conn.getresponse()
                answer = response.read()
                conn.close()
                if self.command == "POST" and self.path == "/v1/tasks":
                    proxy.submits.append(json.loads(body))
                    if proxy._drop > 0:
                        proxy._drop -= 1
                        self.close_connection = True
                        return
                if self.command == "POST" and self.path.endswith("/stop") and answer:
                    proxy.stopped.extend(json.loads(answer).get("distributor_ids") or [])
                self.send_response(response.status)
                for k, v in response.getheaders():
                    if k.lower() in ("content-type",):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = _forward

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "AnswerDroppingProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

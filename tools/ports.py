"""Free TCP ports on 127.0.0.1 for the tests and benchmarks that start processes."""
import random
import socket

_ports_handed_out = set()
_random = random.Random()  # its own state: a test that seeds `random` does not pick our ports
_FIRST_PORT = 10000


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(v) for v in f.read().split())
            return low, high
    except (OSError, ValueError):
        return 32768, 60999


def _bindable(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port():
    """A port free now and never handed out before by this process.

    Taken below the kernel's ephemeral range when there is room: a port the kernel hands out
    for bind(0) may also become the local port of some outgoing connection (a client's, a
    member's) before the process meant to listen on it binds it. And never the same port twice:
    once a probe socket is closed the kernel may give its port to the next bind(0), and two
    processes of one test on one port collide (for members: same peer URL → same member id)."""
    low, _ = _ephemeral_range()
    if low - _FIRST_PORT >= 1000:
        for _ in range(1000):
            port = _random.randrange(_FIRST_PORT, low)
            if port not in _ports_handed_out and _bindable(port):
                _ports_handed_out.add(port)
                return port
    for _ in range(1000):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _ports_handed_out:
            _ports_handed_out.add(port)
            return port
    raise RuntimeError("no fresh free port after 1000 tries")

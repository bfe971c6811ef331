"""Free TCP ports on 127.0.0.1 for the tests and benchmarks that start processes."""
import socket

_ports_handed_out = set()


def free_port():
    """A port free now and never handed out before by this process: once a probe socket is
    closed the kernel may give the same ephemeral port to the next bind, and two processes of
    one test on one port collide (for members: same peer URL → same member id)."""
    for _ in range(1000):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _ports_handed_out:
            _ports_handed_out.add(port)
            return port
    raise RuntimeError("no fresh free port after 1000 tries")

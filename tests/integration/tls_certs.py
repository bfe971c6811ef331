"""Test certificates made with the openssl command: a CA, a server certificate for 127.0.0.1
and localhost, a client certificate, and a second CA with a server certificate of its own (a
certificate the first CA does not vouch for). EC keys: quick to make."""
import os
import subprocess


def _run(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def _ca(d, name):
    key, crt = os.path.join(d, f"{name}.key"), os.path.join(d, f"{name}.pem")
    _run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", f"/CN={name}",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return key, crt


def _leaf(d, name, ca_key, ca_crt, ext):
    key, csr, crt = (os.path.join(d, f"{name}.key"), os.path.join(d, f"{name}.csr"),
                     os.path.join(d, f"{name}.pem"))
    ext_file = os.path.join(d, f"{name}.ext")
    with open(ext_file, "w") as f:
        f.write(ext)
    _run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", key, "-out", csr, "-subj", f"/CN={name}")
    _run("x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial",
         "-out", crt, "-days", "2", "-extfile", ext_file)
    return crt, key


class Certs:
    """Files under `d`: ca, server (127.0.0.1, localhost; server and client use, as etcd's
    docs make them), client, other_ca and other_server (signed by other_ca)."""

    def __init__(self, d):
        os.makedirs(d, exist_ok=True)
        ca_key, self.ca = _ca(d, "ca")
        both = ("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                "extendedKeyUsage=serverAuth,clientAuth\n")
        self.server_cert, self.server_key = _leaf(d, "server", ca_key, self.ca, both)
        self.client_cert, self.client_key = _leaf(d, "client", ca_key, self.ca,
                                                  "extendedKeyUsage=clientAuth\n")
        other_key, self.other_ca = _ca(d, "other-ca")
        self.other_cert, self.other_key = _leaf(d, "other-server", other_key, self.other_ca,
                                                both)
        self._d, self._ca_key = d, ca_key

    def crl_revoking(self, cert):
        """A CRL of the CA that revokes `cert` (a path); returns the CRL's path."""
        d = self._d
        index, conf = os.path.join(d, "index.txt"), os.path.join(d, "ca.cnf")
        open(index, "w").close()
        with open(conf, "w") as f:
            f.write(f"[ca]\ndefault_ca = ca_default\n[ca_default]\ndatabase = {index}\n"
                    f"certificate = {self.ca}\nprivate_key = {self._ca_key}\n"
                    "default_md = sha256\ndefault_crl_days = 2\n")
        _run("ca", "-config", conf, "-revoke", cert)
        crl = os.path.join(d, "revoked.crl.pem")
        _run("ca", "-config", conf, "-gencrl", "-out", crl)
        return crl

    def server_for(self, name, san):
        """Another server certificate signed by the CA, for `san` (e.g. "DNS:example.com")."""
        return _leaf(self._d, name, self._ca_key, self.ca,
                     f"subjectAltName={san}\nextendedKeyUsage=serverAuth,clientAuth\n")

"""Runs Feast 0.67's registry server (what `feast serve_registry` runs) on loopback only.

Usage: python serve_registry.py REPO_DIR PORT [CERT_FILE KEY_FILE]
Feast binds its gRPC server to every interface ([::]); feast-go's tests bind it to
127.0.0.1 instead, and serve the repository's own registry.
"""
import sys

import grpc

from feast import FeatureStore, registry_server

_make_server = grpc.server


def _loopback_server(*args, **kwargs):
    server = _make_server(*args, **kwargs)
    insecure, secure = server.add_insecure_port, server.add_secure_port
    server.add_insecure_port = lambda addr: insecure(addr.replace("[::]", "127.0.0.1"))
    server.add_secure_port = lambda addr, creds: secure(addr.replace("[::]", "127.0.0.1"), creds)
    return server


def main(repo, port, cert="", key=""):
    grpc.server = _loopback_server
    registry_server.start_server(FeatureStore(repo_path=repo), int(port), True, key, cert)


if __name__ == "__main__":
    main(*sys.argv[1:])

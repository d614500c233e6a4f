"""`chalice local` with the caller's real address: each request's identity.sourceIp is the TCP peer.

Chalice's local server hard-codes 127.0.0.1 (LambdaEventConverter.LOCAL_SOURCE_IP), so every local client
looks like one address and address limits cannot be exercised. This launcher serves the same app with
Chalice's own LocalDevServer and a handler that sets the converter's source IP to the socket's peer, so
clients bound to 127.0.0.2, 127.0.0.3, ... are distinct addresses, as they would be behind API Gateway.

Usage: python -m local.api --host 127.0.0.1 --port 8000 --stage local
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from chalice.cli.factory import CLIFactory
from chalice.local import ChaliceRequestHandler, CustomLocalChalice, LocalChalice, LocalDevServer, LocalGateway

ROOT = Path(__file__).resolve().parent.parent


class PeerAddressHandler(ChaliceRequestHandler):
    """Chalice's local request handler, with the connection's peer as every event's source IP."""

    def __init__(
        self, request: Any, client_address: tuple[str, int], server: Any, app_object: Any, config: Any
    ) -> None:
        self.local_gateway = LocalGateway(app_object, config)
        self.local_gateway.event_converter.LOCAL_SOURCE_IP = client_address[0]  # type: ignore[misc]
        super(ChaliceRequestHandler, self).__init__(request, client_address, server)


def create_server(host: str, port: int, stage: str) -> LocalDevServer:
    """Build the local server for the project's app on a stage, as `chalice local` does."""
    factory = CLIFactory(project_dir=str(ROOT), environ=dict(os.environ))
    config = factory.create_config_obj(chalice_stage_name=stage)
    app_obj = config.chalice_app
    CustomLocalChalice.__bases__ = (LocalChalice, app_obj.__class__)
    app_obj.__class__ = CustomLocalChalice  # current_request per thread, as chalice local does
    return LocalDevServer(app_obj, config, host, port, handler_cls=PeerAddressHandler)


def main() -> int:
    """Command line: serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--stage", default="local")
    args = parser.parse_args()
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    os.environ["AWS_CHALICE_CLI_MODE"] = "true"
    server = create_server(args.host, args.port, args.stage)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

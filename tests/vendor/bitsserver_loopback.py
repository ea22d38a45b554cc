"""Runs the vendored BITSServer (tests/vendor/BITSServer, unmodified) on
127.0.0.1 and a free port, keeping uploads under the directory given as
the only argument. Prints the port on its first line, then serves until
killed. Ours, not upstream's: upstream's __main__ listens on every
interface and a fixed port."""

import os
import sys
from http.server import HTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "BITSServer"))

from BITSServer.__main__ import BITSRequestHandler  # noqa: E402

BITSRequestHandler.base_dir = os.path.abspath(sys.argv[1])
server = HTTPServer(("127.0.0.1", 0), BITSRequestHandler)
print(server.server_address[1], flush=True)
server.serve_forever()

"""localstripe (a fake, stateful Stripe API server) for the tests and the demo.

    python -m tests.localstripe_server --port 8420

Serves localstripe's own aiohttp app, with three differences from its
`localstripe` command:

- it listens on 127.0.0.1 only (the command binds '::', every interface);
- it starts from an empty store (the command reloads /tmp/localstripe.pickle);
- it keeps the store in memory only: localstripe pickles the whole store to
  /tmp/localstripe.pickle after every write, which gets slower as the store
  grows and is shared by every localstripe process on the machine.

The access log is off; webhook deliveries and errors are still logged.
"""

import argparse
import logging

from aiohttp import web
from localstripe import resources
from localstripe.server import app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.localstripe_server")
    parser.add_argument("--port", type=int, default=8420)
    args = parser.parse_args(argv)

    # Both the store's own writes and the server's save-after-POST
    # middleware call store.dump_to_disk(): an instance attribute wins.
    resources.store.dump_to_disk = lambda: None
    resources.store.clear()

    # localstripe logs webhook deliveries on the access logger; keep those,
    # drop the line per request.
    logging.basicConfig(level=logging.INFO, format="localstripe: %(message)s")
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None,
                print=None, handle_signals=True)


if __name__ == "__main__":
    main()

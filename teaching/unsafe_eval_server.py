#!/usr/bin/env python3
# ############################################################################
# #                                                                          #
# #   DELIBERATELY UNSAFE -- FOR A CLASSROOM DEMONSTRATION ONLY              #
# #                                                                          #
# #   Every line a client sends is passed to Python's eval(). Anyone who     #
# #   can connect can run any command as the user running this script,      #
# #   read and write its files, and freeze or kill it. It binds to the       #
# #   loopback interface only and refuses any other address. Never run it    #
# #   on a shared machine, never forward its port, never run it as root.     #
# #                                                                          #
# ############################################################################
"""The course's threaded eval() line server, kept as a bad example.

This is the server the safecalc project replaces: a threaded TCP line
server that answers each line with ``repr(eval(line))``. It is here so that
teaching/README.md can show, side by side, what the same hostile lines do to
it and to safecalc. The lesson code is the five lines of ``evaluate()`` and
``Handler.handle()``; everything else is a set of *safety valves* that
keep the lab machine usable without changing what the lesson shows:

* it binds to a loopback address only (127.0.0.0/8 or ::1) and refuses
  anything else, including 0.0.0.0 and host names;
* ``--valve-seconds`` (default 15): if any single eval() runs longer, the
  whole process is killed. A long big-integer computation holds the GIL, so
  no Python code -- not even Ctrl-C's handler -- can run until it ends;
  the valve is faulthandler's watchdog, a C thread that needs no GIL.
  Without it, ``9**9**9**9`` would freeze every client for hours;
* ``--max-memory-mb`` (default 2048): an address-space limit, so that a
  memory bomb raises MemoryError instead of eating the machine's RAM;
* ``--lifetime`` (default 30 minutes): the server exits on its own, so a
  forgotten lab server does not linger.

Run it as ``python3 teaching/unsafe_eval_server.py`` (see teaching/README.md).
"""

import argparse
import faulthandler
import ipaddress
import math
import os
import resource
import socketserver
import sys
import threading
import time

BANNER = r"""
  ##################################################################
  #  UNSAFE eval() SERVER -- TEACHING DEMONSTRATION ONLY            #
  #  Every line received is run by Python's eval(): whoever         #
  #  connects can run commands as you, read and write your files,   #
  #  and freeze or kill this process.                               #
  #  Loopback only. Stop it with Ctrl-C when the demo is over.      #
  ##################################################################
"""

GREETING = "UNSAFE eval() server (teaching demo): every line goes to Python's eval()"

# A fake secret for the file-read payload to find, in this script's folder.
SECRET_FILE = "lab_secret.txt"
SECRET_TEXT = "DB_PASSWORD=correct-horse-battery-staple (fake, planted by unsafe_eval_server.py)\n"

# What a "calculator" built on eval() usually offers: the math module's names.
MATH_NAMES = {name: getattr(math, name) for name in dir(math) if not name.startswith("_")}

# Set by --no-builtins: the "hardened" variant people reach for first.
STRIP_BUILTINS = False


def evaluate(line):
    """THE LESSON: hand the client's text to eval()."""
    if STRIP_BUILTINS:
        # Looks safe; is not (see SECURITY.md, "Stripping __builtins__").
        return eval(line, {"__builtins__": {}, **MATH_NAMES})
    return eval(line, dict(MATH_NAMES))


class Watchdog:
    """Kills the process if any one eval() runs longer than `seconds`.

    faulthandler keeps a single timer, run by a C thread that needs no GIL.
    Each evaluation registers its deadline; the timer is always re-armed for
    the earliest deadline still pending (or cancelled when none is), so the
    stuck evaluation's deadline is the one armed when everything else stops.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.lock = threading.Lock()
        self.deadlines = {}
        self.next_id = 0

    def _rearm(self):
        faulthandler.cancel_dump_traceback_later()
        if self.deadlines:
            left = max(0.001, min(self.deadlines.values()) - time.monotonic())
            faulthandler.dump_traceback_later(left, exit=True, file=sys.stderr)

    def start(self):
        with self.lock:
            self.next_id += 1
            self.deadlines[self.next_id] = time.monotonic() + self.seconds
            self._rearm()
            return self.next_id

    def stop(self, token):
        with self.lock:
            self.deadlines.pop(token, None)
            self._rearm()


WATCHDOG = None
CONNECTIONS = 0
CONNECTIONS_LOCK = threading.Lock()


def log(message):
    print(message, file=sys.stderr, flush=True)


class Handler(socketserver.StreamRequestHandler):
    """One thread per client, as in the course: read a line, eval it, reply."""

    def handle(self):
        global CONNECTIONS
        with CONNECTIONS_LOCK:
            CONNECTIONS += 1
            conn = CONNECTIONS
        peer = "%s:%s" % self.client_address[:2]
        log("[conn %d] %s connected" % (conn, peer))
        self.send(GREETING)
        while True:
            raw = self.rfile.readline()  # unbounded, as in the course
            if not raw:
                break
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            if line in ("quit", "exit", "fin", "/quit"):
                self.send("bye")
                break
            log("[conn %d] eval(%s)" % (conn, shorten(repr(line))))
            token = WATCHDOG.start()
            try:
                reply = repr(evaluate(line))  # THE LESSON
            except BaseException as e:  # noqa: B036 -- report SystemExit too
                reply = "error: %s: %s" % (type(e).__name__, e)
            finally:
                WATCHDOG.stop(token)
            self.send(reply)
        log("[conn %d] closed" % conn)

    def send(self, text):
        # One line per reply whatever repr() produced.
        text = text.replace("\r", "\\r").replace("\n", "\\n")
        try:
            self.wfile.write(text.encode("utf-8", "replace") + b"\r\n")
            self.wfile.flush()
        except OSError:
            pass


def shorten(text, limit=120):
    return text if len(text) <= limit else "%s... (%d chars)" % (text[:limit], len(text))


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def loopback_only(host):
    """Returns the address family for `host`, or exits if it is not loopback."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        sys.exit("refusing to bind to %r: give a literal loopback address such as 127.0.0.1" % host)
    if not address.is_loopback:
        sys.exit("refusing to bind to %s: this server is deliberately unsafe and only "
                 "ever listens on loopback (127.0.0.1 or ::1)" % host)
    import socket
    return socket.AF_INET6 if address.version == 6 else socket.AF_INET


def main():
    global WATCHDOG, STRIP_BUILTINS
    parser = argparse.ArgumentParser(description="DELIBERATELY UNSAFE eval() line server, "
                                     "for the side-by-side demonstration in teaching/README.md.")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7879, help="port (default 7879; 0 picks one)")
    parser.add_argument("--no-builtins", action="store_true",
                        help="eval with {'__builtins__': {}}, the 'hardened' variant")
    parser.add_argument("--int-str-limit", type=int, default=None, metavar="DIGITS",
                        help="sys.set_int_max_str_digits(DIGITS); 0 behaves like a Python "
                             "without the CVE-2020-10735 fix")
    parser.add_argument("--valve-seconds", type=float, default=15.0,
                        help="kill the process if one eval() runs longer (default 15)")
    parser.add_argument("--max-memory-mb", type=int, default=2048,
                        help="address-space limit of the process (default 2048)")
    parser.add_argument("--lifetime", type=float, default=1800.0,
                        help="exit after this many seconds (default 1800)")
    args = parser.parse_args()

    family = loopback_only(args.host)
    if os.geteuid() == 0 and not os.environ.get("UNSAFE_EVAL_SERVER_ALLOW_ROOT"):
        sys.exit("refusing to run as root: every client would get a root shell "
                 "(set UNSAFE_EVAL_SERVER_ALLOW_ROOT=1 inside a throwaway container only)")

    limit = args.max_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if args.int_str_limit is not None:
        sys.set_int_max_str_digits(args.int_str_limit)
    STRIP_BUILTINS = args.no_builtins
    WATCHDOG = Watchdog(args.valve_seconds)

    # Work in this script's folder, and plant the fake secret there.
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    with open(SECRET_FILE, "w") as f:
        f.write(SECRET_TEXT)

    Server.address_family = family
    server = Server((args.host, args.port), Handler)
    host, port = server.server_address[:2]
    log(BANNER)
    log("valves: one eval() may run %gs, memory %d MiB, server exits after %gs; "
        "builtins %s; int/str digits limit %s"
        % (args.valve_seconds, args.max_memory_mb, args.lifetime,
           "stripped" if STRIP_BUILTINS else "available", sys.get_int_max_str_digits() or "off"))
    print("listening on %s:%d" % (host, port), flush=True)

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        time.sleep(args.lifetime)
        log("lifetime of %gs reached; exiting" % args.lifetime)
    except KeyboardInterrupt:
        log("interrupted; exiting")
    server.shutdown()


if __name__ == "__main__":
    main()

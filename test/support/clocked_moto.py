"""moto's server on a clock the caller sets (see clockedMoto.ts).

The time is the number of seconds since the epoch written in the file named by
MOTO_CLOCK_FILE, read each time moto asks for the time. SQS's visibility
timeouts, delays and retention run on it, so a test steps time instead of
sleeping. Only the clock is replaced; moto's SQS is moto's.

Usage: MOTO_CLOCK_FILE=<file> python3 clocked_moto.py -H 127.0.0.1 -p <port>
"""
import datetime
import os
import sys

import moto.core.utils as utils

_CLOCK_FILE = os.environ["MOTO_CLOCK_FILE"]
_EPOCH = datetime.datetime(1970, 1, 1)


def _now() -> datetime.datetime:
    with open(_CLOCK_FILE) as clock:
        return _EPOCH + datetime.timedelta(seconds=float(clock.read()))


# moto's unix_time() and unix_time_millis() take the time from utcnow() when not given one.
utils.utcnow = _now

from moto.server import main  # noqa: E402  (after the clock is in place)

main(sys.argv[1:])

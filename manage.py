#!/usr/bin/env python
"""Django's command-line utility; a shim to the same entry point as the `oms` script."""

from oms.__main__ import main

if __name__ == "__main__":
    main()

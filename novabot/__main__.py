import sys

from novabot.cli import main

sys.exit(main())

import sys

from novabot.cli.main import main

sys.exit(main())

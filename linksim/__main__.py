import sys

from linksim.cli import main

sys.exit(main())

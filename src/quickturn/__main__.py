import sys

from quickturn.cli import main

sys.exit(main())

import sys

from registration_api.cli import main

sys.exit(main())
